import { existsSync, readFileSync } from 'node:fs';
import { ApiClient } from '#agent/api/client.ts';
import { readOutboxFile } from '#agent/core/outbox.ts';
import { resolveStateDir, statePaths } from '#agent/config/state.ts';
import { isAlive } from '#agent/runner/process-runner.ts';
import { readAssignmentsFile } from '#agent/worker/assignment-store.ts';
import { number, parse, requireState, type Out } from './common.ts';

/** `gpuhive-agent drain`: the running agent finishes its jobs and signs off; with none running, sign off here. */

export const help = `Usage: gpuhive-agent drain [--timeout SECONDS] [--state-dir DIR]

Asks the running agent (SIGUSR2) to take no new work, let its jobs finish, and sign off;
waits until it exits (default: no limit). With no agent running and nothing running, signs
off at once.`;

export const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { timeout: { type: 'string' } });
  if (values.help) return out(help), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  const pid = existsSync(paths.pid) ? Number(readFileSync(paths.pid, 'utf8')) : undefined;
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGUSR2');
    out(`Asked the agent (pid ${pid}) to drain: it takes no new work, lets its jobs finish, then signs off.`);
    const deadline = values.timeout ? Date.now() + number(values.timeout, 'timeout', 0) * 1000 : Infinity;
    while (isAlive(pid)) {
      if (Date.now() > deadline) return out('Still draining (the agent keeps going); check with gpuhive-agent status.'), 1;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    out('The agent drained and exited.');
    return 0;
  }
  const active = readAssignmentsFile(paths.assignments).filter((record) => record.phase !== 'ended');
  const pending = readOutboxFile(paths.outbox).filter((entry) => entry.kind !== 'logs');
  if (active.length > 0 || pending.length > 0) {
    out(`No agent runs, but ${active.length} job(s) and ${pending.length} report(s) are unfinished: run \`gpuhive-agent run --drain\` to finish them and sign off.`);
    return 1;
  }
  const result = await new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken }).signOff();
  out(`Signed off: the host is ${result.status}.`);
  return 0;
};
