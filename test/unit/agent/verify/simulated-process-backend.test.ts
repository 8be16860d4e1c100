import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SimulatedProcessBackend } from '#agent/verify/simulated-process-backend.ts';
import { assessAnswer, assessCommitment, issueChallenge, revealFor } from '#registry/domain/verification/challenge.ts';
import { DEFAULT_VERIFICATION_SETTINGS } from '#registry/domain/verification/settings.ts';
import { mix32 } from '#registry/domain/verification/prng.ts';

/** The agent as a clone runs it (agent/bin through tsx): what the backend starts again as its child. */
const AGENT = { command: process.execPath, args: [fileURLToPath(new URL('../../../../agent/bin/gpuhive-agent.mjs', import.meta.url))] };

let state = 5;
const random = () => (state = mix32(state + 0x9e3779b9));
const claimed = [{ index: 0, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-0' }, { index: 1, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-1' }];
const identities = claimed.map((gpu) => ({ index: gpu.index, name: 'NVIDIA GeForce RTX 4090', vramMb: gpu.vramMb, uuid: gpu.uuid }));
const settings = { ...DEFAULT_VERIFICATION_SETTINGS, simulatedWorkFlops: 1e9 };
const replayFile = () => join(mkdtempSync(join(tmpdir(), 'gpuhive-sim-child-')), 'replay.json');

const judge = async (backend: SimulatedProcessBackend) => {
  const challenge = issueChallenge('vrf_c', claimed, { simulated: true, now: new Date(), settings, random });
  const run = await backend.compute(challenge, identities, new AbortController().signal);
  try {
    const committed = assessCommitment(challenge, run.commitment, { claimed, receivedAt: new Date(), seenRoots: [] });
    if (!committed.ok) return committed;
    const reveal = revealFor(challenge, settings, random);
    return assessAnswer(challenge, run.commitment, reveal, await run.answer(reveal));
  } finally {
    run.close();
  }
};

describe('the simulated verifier in a child process', () => {
  it('passes an honest run, computed by the agent started again as its child', async () => {
    expect(await judge(new SimulatedProcessBackend({ replayFile: replayFile() }, AGENT))).toEqual({ ok: true, value: true });
  });

  it('carries the cheating modes to the child: a wrong product is caught', async () => {
    expect(await judge(new SimulatedProcessBackend({ replayFile: replayFile(), cheat: 'wrong-product' }, AGENT))).toMatchObject({ ok: false, reason: expect.stringMatching(/Freivalds/) });
  });

  it('stops at once when aborted, killing the child', async () => {
    const backend = new SimulatedProcessBackend({ replayFile: replayFile(), tflops: 1e-6 }, AGENT);
    const controller = new AbortController();
    const challenge = issueChallenge('vrf_k', claimed, { simulated: true, now: new Date(), settings, random });
    const running = backend.compute(challenge, identities, controller.signal);
    controller.abort();
    await expect(running).rejects.toThrow(/aborted/);
  });

  it('names the failure when the child cannot compute', async () => {
    const challenge = issueChallenge('vrf_x', claimed, { simulated: true, now: new Date(), settings, random });
    const backend = new SimulatedProcessBackend({ replayFile: replayFile() }, AGENT);
    // GPU 1 is not among the identities given: the child answers with an error line.
    await expect(backend.compute(challenge, identities.slice(0, 1), new AbortController().signal)).rejects.toThrow(/the verifier failed: .*GPU 1/);
    const dead = new SimulatedProcessBackend({ replayFile: replayFile() }, { command: process.execPath, args: ['-e', 'process.stderr.write("no such agent"); process.exit(3)'] });
    await expect(dead.compute(challenge, identities, new AbortController().signal)).rejects.toThrow(/the simulated verifier exited \(3\) before answering: no such agent/);
  });
});
