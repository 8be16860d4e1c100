import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '#test/support/api.ts';
import { spawnRuntime, startNpm } from '#test/support/spawned-runtime.ts';

/**
 * `npm start` is npm -> node -> DynamoDB Local's sh watchdog -> java. A supervisor or a shell
 * that signals only the npm process (not its process group, as Ctrl-C does) must still stop
 * every one of them: npm forwards the signal to node (the script execs it), and the runtime
 * also stops when a launcher is gone (infra/local/parent-watch.ts), even one killed while the
 * runtime was starting.
 */
const processTable = (): { pid: number; ppid: number; pgid: number; stat: string; args: string }[] =>
  execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), stat: match[4] ?? '', args: match[5] ?? '' }));

const descendantsOf = (root: number): { pid: number; args: string }[] => {
  const table = processTable();
  const found: { pid: number; args: string }[] = [];
  const visit = (pid: number) => {
    for (const child of table.filter((row) => row.ppid === pid)) {
      found.push({ pid: child.pid, args: child.args });
      visit(child.pid);
    }
  };
  visit(root);
  return found;
};

/** Still running: present and not a zombie waiting to be reaped. */
const running = (pids: readonly number[]): number[] => {
  const table = new Map(processTable().map((row) => [row.pid, row.stat]));
  return pids.filter((pid) => table.has(pid) && !table.get(pid)?.startsWith('Z'));
};

/** The processes of a group still running, as `pid args`: once npm is gone its children are no longer below it. */
const runningInGroup = (pgid: number): string[] =>
  processTable().filter((row) => row.pgid === pgid && !row.stat.startsWith('Z')).map((row) => `${row.pid} ${row.args}`);

/**
 * What a SIGKILL of a whole process group leaves (the watchdog dies with Java): Java's temporary
 * folder, owned by a runtime that has ended (a pid above Linux's largest, 2^22). The prefix is
 * infra/local/dynamodb-local.ts's, written out: importing it would load the AWS SDK here.
 */
const leftByGroupKill = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'gpuhive-dynamodb-'));
  writeFileSync(join(dir, 'owner.pid'), '4194305');
  return dir;
};

describe('stopping `npm start` by signalling only the npm process', () => {
  // SIGKILL: npm passes nothing on; the runtime sees its launcher gone and stops by itself.
  // All at once: each signals only its own npm and watches only its own processes.
  it.concurrent.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('%s to npm stops every child, DynamoDB Local\'s java included, and leaves no temporary files (nor those a group kill left)', async (signal) => {
    const abandoned = leftByGroupKill();
    // As the README runs it; its own process group, so a failed start cleans up at once. The test signals npm alone.
    const runtime = await spawnRuntime(['--port', '0', '--in-memory']);
    const npm = runtime.process;
    // Each start sweeps the folders of DynamoDB Locals whose runtime has ended.
    expect(existsSync(abandoned)).toBe(false);
    const npmPid = npm.pid ?? 0;
    const children = descendantsOf(npmPid);
    try {
      // The runtime's node, DynamoDB Local's sh watchdog and its java, each named: a count of four
      // included the watchdog's `sleep 1`, which comes and goes (a busy machine once caught three).
      expect(children.some((child) => /infra\/local\/main\.ts/.test(child.args))).toBe(true);
      expect(children.some((child) => /^sh -c tmp=.*'java'/.test(child.args))).toBe(true);
      const java = children.find((child) => /^java .*DynamoDBLocal\.jar/.test(child.args));
      // Where DynamoDB Local unpacks its SQLite library: the watchdog removes it once Java has ended.
      const javaTmp = /-Djava\.io\.tmpdir=(\S+)/.exec(java?.args ?? '')?.[1] ?? '';
      expect(existsSync(javaTmp)).toBe(true);

      process.kill(npmPid, signal);

      await eventually(async () => expect(running([npmPid, ...children.map((child) => child.pid)])).toEqual([]), 30_000).catch((error: Error) => {
        // What was left, and what the runtime said it did (`launcher exited: stopping...`): why it did not stop.
        const left = running(children.map((child) => child.pid));
        throw new Error(`${error.message}\nleft: ${JSON.stringify(children.filter((child) => left.includes(child.pid)))}\nruntime's log:\n${runtime.stderr()}`);
      });
      expect(existsSync(javaTmp)).toBe(false);
    } finally {
      for (const pid of running(children.map((child) => child.pid))) process.kill(pid, 'SIGKILL');
    }
  }, 240_000);

  // The watch must cover the start too: found only once ready, the chain above a runtime whose npm
  // had died began at init, so nothing was watched and node and java lived on.
  it.concurrent('SIGKILL to npm while the runtime starts stops every child once it is ready', async () => {
    // Without waiting for the banner.
    const npm = startNpm(['--port', '0', '--in-memory']);
    const group = npm.pid ?? 0;
    // Once every process that holds npm's output has ended and all of it was read.
    const closed = new Promise<void>((resolve) => npm.once('close', () => resolve()));
    let output = '';
    const collect = (chunk: Buffer) => { output += chunk.toString(); };
    npm.stdout.on('data', collect);
    npm.stderr.on('data', collect);
    try {
      await eventually(async () => expect(output).toContain('Starting DynamoDB Local'), 150_000);
      process.kill(group, 'SIGKILL');

      // A start can take a minute on a busy machine; the runtime stops once it has started.
      await eventually(async () => expect(runningInGroup(group)).toEqual([]), 150_000).catch((error: Error) => {
        throw new Error(`${error.message}\nruntime's output:\n${output}`);
      });
      await closed;
      expect(output).toContain('launcher exited: stopping...');
    } finally {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // the group is gone
      }
    }
  }, 330_000);
});
