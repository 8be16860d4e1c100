import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '#infra/local/runtime.ts';

/** Benchmarks print figures and never fail on time: targets are read by people. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);

export const table = (title: string, rows: readonly (readonly [string, string])[]): void => {
  const width = Math.max(...rows.map(([label]) => label.length));
  process.stdout.write(`\n${title}\n${rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n')}\n`);
};

export const progress = (line: string): void => {
  process.stderr.write(`  ... ${line}\n`);
};

/** A quiet local runtime in memory, as `npm start -- --in-memory` would run it. */
export const benchRuntime = async (env: Record<string, string> = {}, options: Pick<LocalRuntimeOptions, 'scheduleSeconds'> = {}): Promise<LocalRuntime> => {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  return startLocalRuntime({ inMemory: true, port: 0, log: () => undefined, env, ...options });
};

/** Runs `work` over `items` with at most `concurrency` in flight. */
export const inParallel = async <T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        await work(items[index] as T, index);
      }
    }),
  );
};
