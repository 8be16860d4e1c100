import { createInterface } from 'node:readline';
import { describeError } from '#agent/core/errors.ts';
import type { Challenge, GpuIdentity, GpuReveal } from './backend.ts';
import { SimulatedBackend } from './simulated-backend.ts';
import type { SimulatedOptions } from './simulated-options.ts';

/** The first line the simulated verifier's child reads: what to compute, and how it simulates. */
export interface SimulatedChildRequest {
  readonly challenge: Challenge;
  readonly gpus: readonly GpuIdentity[];
  readonly options: SimulatedOptions;
}

/**
 * The child side of the simulated verifier (`gpuhive-agent simulated-verifier`, started by the
 * agent, never by hand): the protocol of the CUDA container's verify.py, one JSON object a
 * line. In: the request; out: `{ commitment }` once computed (after the simulated card's
 * time); in: `{ reveal }`; out: `{ answer }`; then it exits. A failure is `{ error }`.
 */
export const serveSimulatedVerifier = async (input: NodeJS.ReadableStream, write: (line: string) => void): Promise<number> => {
  const lines = createInterface({ input })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const line = await lines.next();
    if (line.done) throw new Error('the agent closed the verifier’s input');
    return JSON.parse(line.value) as unknown;
  };
  const send = (message: unknown) => write(`${JSON.stringify(message)}\n`);
  try {
    const request = (await next()) as SimulatedChildRequest;
    const run = await new SimulatedBackend(request.options).compute(request.challenge, request.gpus, new AbortController().signal);
    send({ commitment: run.commitment });
    const { reveal } = (await next()) as { reveal: readonly GpuReveal[] };
    send({ answer: await run.answer(reveal) });
    return 0;
  } catch (error) {
    send({ error: describeError(error) });
    return 1;
  }
};
