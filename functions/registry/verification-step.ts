import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { VERIFICATION_MAX_BODY_BYTES, VerificationPath, VerificationStepInput } from '#registry/http/schemas.ts';
import { answerVerification, commitVerification } from '#registry/use-cases/verify-host.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

/** The agent's commitment, then its answer, for one verification run of its own host (docs/verification.md). */
export const handler = httpRoute(
  logger,
  { body: VerificationStepInput, path: VerificationPath, maxBodyBytes: VERIFICATION_MAX_BODY_BYTES },
  async ({ principal, body, path }) => {
    const hostId = agentOf(principal).hostId;
    const result = body.step === 'commit'
      ? await commitVerification(hostId, path.runId, body.gpus, deps)
      : await answerVerification(hostId, path.runId, body.gpus, deps);
    return json(200, { runId: path.runId, ...result });
  },
);
