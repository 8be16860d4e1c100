import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second for /proc CPU times (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where there is none. */
export const processCpuSeconds = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from the state on: utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
};

/** The pid of the DynamoDB Local (java) listening at `endpoint`'s port, found by its command line; undefined off Linux. */
export const dynamoDbLocalPid = (endpoint: string): number | undefined => {
  const port = new URL(endpoint).port;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let args: string[];
      try {
        args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      const at = args.indexOf('-port');
      if (args.some((arg) => arg.endsWith('DynamoDBLocal.jar')) && at >= 0 && args[at + 1] === port && !args[0]?.endsWith('sh')) return Number(entry);
    }
  } catch {
    return undefined;
  }
  return undefined;
};
