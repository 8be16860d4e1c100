import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { apiClient, localDynamoDb, startTestRuntime } from '#test/support/local-runtime.ts';

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

  it('leaves no tables of a test runtime on the run\'s shared DynamoDB Local once it stopped, since Java would poll them until the run ends', async () => {
    const runtime = await startTestRuntime();
    const dynamodb = localDynamoDb(runtime);
    const { TableNames: before = [] } = await dynamodb.send(new ListTablesCommand({}));

    await runtime.stop();
    const { TableNames: after } = await dynamodb.send(new ListTablesCommand({}));
    dynamodb.destroy();

    expect({ hadTables: before.length > 0, after }).toEqual({ hadTables: true, after: [] });
  });
});
