import { describeError } from '#agent/core/errors.ts';
import { UsageError, VERSION, type AgentCommand, type Out } from './commands/common.ts';

export { VERSION } from './commands/common.ts';
export { invocation } from './commands/common.ts';
export { maintenanceLines } from './commands/host-lines.ts';

const HELP = `gpuhive-agent ${VERSION}: rents this machine's GPUs out on gpuhive.

Usage: gpuhive-agent <command> [options]

Commands:
  register   detect the hardware and register this host with a registration token
  run        run the agent: heartbeat, take assignments, run jobs, report usage
  status     show the host, its last heartbeat, the running jobs and the outbox
  doctor     check every prerequisite and the connection to the API, and say how to fix
  drain      let running jobs finish, then sign off (the host goes offline)
  verify     prove this host's GPUs to the platform now (GEMM and memory challenge)

Every command takes --state-dir DIR (default /var/lib/gpuhive-agent as root,
~/.gpuhive-agent otherwise; or GPUHIVE_AGENT_STATE_DIR) and --help.`;

/**
 * Each command in its own module, loaded only when it runs (after the renter CLI's
 * cli/commands/): `run`, which stays up for months, never evaluates register's detection,
 * doctor's checks or the verification code it has not needed yet.
 */
const COMMANDS: Record<string, () => Promise<AgentCommand>> = {
  register: () => import('./commands/register.ts'),
  run: () => import('./commands/run.ts'),
  status: () => import('./commands/status.ts'),
  doctor: () => import('./commands/doctor.ts'),
  drain: () => import('./commands/drain.ts'),
  verify: () => import('./commands/verify.ts'),
  // Not in the help: the child process a simulated host's verification run computes in.
  'simulated-verifier': () => import('./commands/simulated-verifier.ts'),
};

export const main = async (argv: string[], out: Out = (text) => process.stdout.write(`${text}\n`)): Promise<number> => {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') return out(HELP), command ? 0 : 2;
  if (command === '--version') return out(VERSION), 0;
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`gpuhive-agent: unknown command "${command}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    return await (await load()).run(rest, out);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`gpuhive-agent ${command}: ${describeError(error)}\n`);
    return usage ? 2 : 1;
  }
};
