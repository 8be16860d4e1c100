import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedBackend, simulatedOptionsFromEnv } from '#agent/verify/simulated-backend.ts';
import { assessAnswer, assessCommitment, issueChallenge, revealFor } from '#registry/domain/verification/challenge.ts';
import { DEFAULT_VERIFICATION_SETTINGS } from '#registry/domain/verification/settings.ts';
import { mix32 } from '#registry/domain/verification/prng.ts';

let state = 3;
const random = () => (state = mix32(state + 0x9e3779b9));
const claimed = [{ index: 0, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-0' }];
const identities = [{ index: 0, name: 'NVIDIA GeForce RTX 4090', vramMb: 24_564, uuid: 'GPU-0' }];
const settings = { ...DEFAULT_VERIFICATION_SETTINGS, simulatedWorkFlops: 1e9 };
const replayFile = () => join(mkdtempSync(join(tmpdir(), 'gpuhive-sim-')), 'replay.json');

const judge = async (backend: SimulatedBackend) => {
  const challenge = issueChallenge('vrf_t', claimed, { simulated: true, now: new Date(), settings, random });
  const run = await backend.compute(challenge, identities, new AbortController().signal);
  const committed = assessCommitment(challenge, run.commitment, { claimed, receivedAt: new Date(), seenRoots: [] });
  if (!committed.ok) return committed;
  const reveal = revealFor(challenge, settings, random);
  return assessAnswer(challenge, run.commitment, reveal, await run.answer(reveal));
};

describe('the simulated verifier', () => {
  it('passes an honest run at the default speed of the claimed model', async () => {
    expect(await judge(new SimulatedBackend({ replayFile: replayFile() }))).toEqual({ ok: true, value: true });
  });

  it('is caught computing a wrong product, and holding less memory than it claims', async () => {
    expect(await judge(new SimulatedBackend({ replayFile: replayFile(), cheat: 'wrong-product' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/Freivalds/) });
    expect(await judge(new SimulatedBackend({ replayFile: replayFile(), cheat: 'less-vram', realVramMb: 2000 }))).toMatchObject({ ok: false, reason: expect.stringMatching(/memory chunk/) });
  });

  it('is caught reporting a speed far below the claimed model', async () => {
    expect(await judge(new SimulatedBackend({ replayFile: replayFile(), tflops: 3 }))).toMatchObject({ ok: false, reason: expect.stringMatching(/far below/) });
  });

  it('stops at once when aborted', async () => {
    const backend = new SimulatedBackend({ replayFile: replayFile(), tflops: 1e-6 });
    const controller = new AbortController();
    const challenge = issueChallenge('vrf_a', claimed, { simulated: true, now: new Date(), settings, random });
    const running = backend.compute(challenge, identities, controller.signal);
    controller.abort();
    await expect(running).rejects.toThrow(/aborted/);
  });

  it('reads its settings from the environment and names a bad one', () => {
    expect(simulatedOptionsFromEnv({ GPUHIVE_VERIFY_CHEAT: 'slow', GPUHIVE_SIMULATED_TFLOPS: '40' }, 'r.json')).toEqual({ replayFile: 'r.json', cheat: 'slow', tflops: 40 });
    expect(() => simulatedOptionsFromEnv({ GPUHIVE_VERIFY_CHEAT: 'bribe' }, 'r.json')).toThrow(/GPUHIVE_VERIFY_CHEAT must be one of/);
    expect(() => simulatedOptionsFromEnv({ GPUHIVE_SIMULATED_TFLOPS: '-1' }, 'r.json')).toThrow(/GPUHIVE_SIMULATED_TFLOPS/);
  });
});
