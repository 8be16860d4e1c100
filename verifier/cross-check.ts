/**
 * Runs verify.py (on the CPU with numpy, at simulated sizes) against the platform's own code:
 * the roots it commits must equal the TypeScript solver's, and its answer must pass the
 * platform's check. No GPU needed; the CUDA path differs only in where the arrays live.
 *
 *   npx tsx verifier/cross-check.ts
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { assessAnswer, issueChallenge, revealFor, type GpuAnswer } from '#registry/domain/verification/challenge.ts';
import { DEFAULT_VERIFICATION_SETTINGS } from '#registry/domain/verification/settings.ts';
import { mix32 } from '#registry/domain/verification/prng.ts';
import { solveGpu } from '#registry/domain/verification/solver.ts';

let state = 11;
const random = () => (state = mix32(state + 0x9e3779b9));
const gpus = [{ index: 0, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-x' }, { index: 1, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-y' }];
const challenge = issueChallenge('vrf_cross', gpus, { simulated: true, now: new Date(), settings: DEFAULT_VERIFICATION_SETTINGS, random });

const child = spawn('python3', [fileURLToPath(new URL('./verify.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const next = async () => JSON.parse(((await lines.next()).value as string) ?? '{}');

child.stdin.write(`${JSON.stringify({ ...challenge, gpus: challenge.gpus.map((gpu, device) => ({ ...gpu, device })) })}\n`);
const { commitment, error } = await next();
if (error) throw new Error(error);
for (const [i, gpu] of challenge.gpus.entries()) {
  const expected = solveGpu(gpu);
  if (commitment[i].gemmRoot !== expected.gemmRoot || commitment[i].memoryRoot !== expected.memoryRoot) throw new Error(`GPU ${gpu.index}: roots differ from the platform's`);
}
const reveal = revealFor(challenge, DEFAULT_VERIFICATION_SETTINGS, random);
child.stdin.write(`${JSON.stringify({ reveal })}\n`);
const { answer } = (await next()) as { answer: GpuAnswer[] };
const verdict = assessAnswer(challenge, commitment.map((gpu: object, i: number) => ({ ...gpu, uuid: gpus[i]!.uuid, vramMb: gpus[i]!.vramMb })), reveal, answer);
child.kill();
if (!verdict.ok) throw new Error(`the platform refused verify.py's answer: ${verdict.reason}`);
process.stdout.write('cross-check passed: verify.py commits the platform\'s roots and its answer passes the platform\'s check\n');
