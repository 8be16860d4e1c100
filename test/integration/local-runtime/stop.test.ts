import { describe, expect, it } from 'vitest';
import { apiClient, startTestRuntime } from '#test/support/local-runtime.ts';

describe('stopping a local runtime', () => {
  it('stops each part once: a second stop (a signal during the first, a cleanup after) finds nothing left to stop', async () => {
    const lines: string[] = [];
    const runtime = await startTestRuntime({ log: (line: string) => lines.push(line) });
    expect((await apiClient(runtime.apiUrl).call('GET', '/v1/openapi.json')).status).toBe(200);

    await runtime.stop();
    const afterFirst = lines.length;
    await runtime.stop();

    expect(lines.slice(afterFirst)).toEqual([]);
    expect(lines.filter((line) => line.startsWith('while stopping'))).toEqual([]);
  });
});
