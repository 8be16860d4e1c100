import { it } from 'vitest';
import { startTestRuntime } from '#test/support/local-runtime.ts';

it('times a runtime start', async () => {
  const t0 = performance.now();
  const lines: string[] = [];
  const runtime = await startTestRuntime({ log: (line) => lines.push(`${((performance.now() - t0) / 1000).toFixed(2)} ${line}`) });
  lines.push(`${((performance.now() - t0) / 1000).toFixed(2)} started`);
  const t1 = performance.now();
  await runtime.stop();
  lines.push(`stop ${((performance.now() - t1) / 1000).toFixed(2)}`);
  console.log(lines.join('\n'));
}, 120_000);
