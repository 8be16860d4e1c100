import { z } from 'zod';
import { Challenge, heartbeatResponseFields, maintenanceWindowFields, QueueCredentials, RegisterResponse, VerificationStepResult } from '#contract/agent.ts';
import { MAINTENANCE_CATEGORIES } from '../domain/maintenance.ts';

/**
 * What the registry's routes answer to agents and providers' tokens, as the use cases build it; hosts
 * and maintenance windows are the wire contract's (shared/contract/hosts.ts). The OpenAPI spec is generated from these.
 */
const time = z.iso.datetime();

export const RegistrationTokenResponse = z.object({
  token: z.string().meta({ description: 'One use; give it to the agent.' }),
  expiresAt: time,
});

export const RegisteredHostResponse = RegisterResponse;
export const ChallengeResponse = Challenge;
export const VerificationStepResponse = VerificationStepResult;

export const HeartbeatResponse = z.object({
  ...heartbeatResponseFields,
  maintenance: z
    .array(z.object({ ...maintenanceWindowFields, category: z.enum(MAINTENANCE_CATEGORIES) }))
    .meta({ description: "The provider's maintenance windows not yet ended, soonest first." }),
});

export { SignOffResponse } from '#contract/agent.ts';

export const QueueCredentialsResponse = QueueCredentials;

export const ReceivedAssignmentsResponse = z.object({
  messages: z.array(
    z.object({
      receipt: z.string(),
      message: z.looseObject({ type: z.enum(['assignment', 'cancel']), assignmentId: z.string(), jobId: z.string() }).meta({
        description: 'An assignment (with image, command, env, gpuIndices, rank, peers) or a cancel, as the host queue carries it.',
      }),
    }),
  ),
});

export const AckAssignmentsResponse = z.object({ acknowledged: z.int() });
