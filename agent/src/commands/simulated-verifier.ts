import type { Out } from './common.ts';

/** `gpuhive-agent simulated-verifier`: not for people; the agent starts it for a simulated host's verification run. */

export const help = `Usage: gpuhive-agent simulated-verifier

Started by the agent for a verification run on simulated GPUs (one JSON object a line on
stdin and stdout); not meant to be run by hand.`;

export const run = async (args: string[], out: Out): Promise<number> => {
  if (args.includes('--help')) return out(help), 0;
  const { serveSimulatedVerifier } = await import('#agent/verify/simulated-child.ts');
  // The agent gone (killed, restarted): stop at once rather than finish a run nobody reads.
  process.stdin.once('end', () => process.exit(1));
  return serveSimulatedVerifier(process.stdin, (line) => process.stdout.write(line));
};
