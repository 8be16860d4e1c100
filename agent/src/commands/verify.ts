import { existsSync, readFileSync } from 'node:fs';
import { ApiClient } from '#agent/api/client.ts';
import { createLogger } from '#agent/core/logger.ts';
import { resolveStateDir, statePaths } from '#agent/config/state.ts';
import { isAlive } from '#agent/runner/process-runner.ts';
import { chooseVerifier, verificationRecordsPath } from '#agent/verify/choose.ts';
import { appendVerificationRecord, readVerificationRecords, runVerification, type VerificationRecord } from '#agent/verify/run-verification.ts';
import { readAssignmentsFile } from '#agent/worker/assignment-store.ts';
import { number, parse, requireState, UsageError, VERSION, type Out } from './common.ts';
import { verificationLine } from './host-lines.ts';

/** `gpuhive-agent verify`: a verification run now, through the running agent or here. */

export const help = `Usage: gpuhive-agent verify [--timeout SECONDS] [--json] [--state-dir DIR]

Asks the platform for a verification run now (docs/verification.md): a GEMM whose result is
committed as a Merkle root before the platform reveals which tiles to prove, and a memory
test. With the agent running, it signals the agent (SIGUSR1), which runs it while idle, and
waits for the result; with no agent running, it runs it here. The backend is
GPUHIVE_VERIFY_BACKEND (simulated, cuda, none): by default simulated for simulated GPUs,
else the CUDA container (GPUHIVE_VERIFIER_IMAGE, built from verifier/Dockerfile).
Exits 0 when the run passed.`;

export const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { timeout: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return out(help), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  const recordsPath = verificationRecordsPath(paths);
  const deadline = Date.now() + number(values.timeout, 'timeout', 900, 1) * 1000;
  const show = (record: VerificationRecord): number => {
    out(values.json ? JSON.stringify(record, null, 2) : `Verification ${verificationLine(record)}`);
    return record.outcome === 'passed' ? 0 : 1;
  };
  const pid = existsSync(paths.pid) ? Number(readFileSync(paths.pid, 'utf8')) : undefined;
  if (pid !== undefined && isAlive(pid)) {
    const before = new Set(readVerificationRecords(recordsPath).map((record) => record.runId));
    process.kill(pid, 'SIGUSR1');
    if (!values.json) out(`Asked the agent (pid ${pid}) for a verification run; it runs while no job does.`);
    while (Date.now() < deadline) {
      const fresh = readVerificationRecords(recordsPath).find((record) => !before.has(record.runId));
      if (fresh) return show(fresh);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    out('No result yet (the agent runs it while idle); check with gpuhive-agent status.');
    return 1;
  }
  const chosen = await chooseVerifier(state, paths);
  if (!chosen.verifier) throw new UsageError(chosen.problem ?? 'no verifier backend');
  const api = new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken, userAgent: `gpuhive-agent/${VERSION}` });
  const running = readAssignmentsFile(paths.assignments).filter((record) => record.phase === 'running' || record.phase === 'starting').map((record) => record.assignmentId);
  let answer = await api.heartbeat({ runningAssignments: running, requestVerification: true });
  while (!answer.verification && Date.now() < deadline) {
    // A run in flight elsewhere, or the host is busy: ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    answer = await api.heartbeat({ runningAssignments: running, requestVerification: true });
  }
  if (!answer.verification) throw new UsageError(`the platform issued no run: the host is ${answer.status}${answer.statusReason ? ` (${answer.statusReason})` : ''}; a run needs an online host with no job running`);
  const logger = createLogger(values.json ? 'warn' : 'info');
  const record = await runVerification(answer.verification, { api, backend: chosen.verifier.backend, gpus: chosen.verifier.gpus, signal: new AbortController().signal, logger });
  appendVerificationRecord(recordsPath, record);
  return show(record);
};
