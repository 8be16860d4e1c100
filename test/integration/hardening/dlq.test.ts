import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternFor } from '#events/define.ts';
import { event as accountCreated } from '#events/accounts/account-created.ts';
import { countDeadLetters, deadLetterPairs, peekDeadLetters } from '#infra/ops/dlq.ts';
import { LOCAL_STAGE, type LocalRuntime } from '#infra/local/runtime.ts';
import { topology, type Topology } from '#infra/topology.ts';
import { apiClient, eventually, localSqs, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { attemptsFor, consumed, healPoison } from '#test/fixtures/recording-consumer.ts';

const run = promisify(execFile);
const MAX_RECEIVES = 3;

/** The real topology plus a consumer that throws on "poison" accounts until healed. */
const withFailingConsumer: Topology = {
  ...topology,
  queues: [
    ...topology.queues,
    { name: 'fixture-dlq', entry: 'test/fixtures/recording-consumer.ts', context: 'platform', batchSize: 10, maxReceiveCount: MAX_RECEIVES, visibilityTimeoutSeconds: 1 },
  ],
  rules: [...topology.rules, { name: 'fixture-dlq', pattern: patternFor(accountCreated), queue: 'fixture-dlq' }],
};

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  // Its own fauxqs under the `local` stage, which `npm run dlq` looks at unless told otherwise.
  runtime = await startTestRuntime({ topology: withFailingConsumer, sqsS3: undefined, stage: LOCAL_STAGE });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

/**
 * `npm run dlq -- ...` as an operator runs it, against this runtime's SQS: the script's
 * `tsx infra/ops/dlq-cli.ts`, as one Node process with tsx's loader rather than npx's and
 * tsx's launchers around it (three Node starts a command on a 2-core machine).
 */
const dlqCommand = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'infra/ops/dlq-cli.ts', ...args, '--endpoint', runtime.endpoints.sqs], { env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN' } });

const pair = () => deadLetterPairs(withFailingConsumer.queues, LOCAL_STAGE, 'fixture-dlq');

// The second test only runs the command against nothing that the first changes: they run at once.
describe.concurrent('a consumer that throws', () => {
  it('is retried, ends in its DLQ after the configured receives, and an operator lists and redrives it', async () => {
    await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: 'poison-dlq' } });

    // Tried exactly maxReceiveCount times, then dead.
    const [dead] = await eventually(async () => {
      const messages = await peekDeadLetters(localSqs(runtime), pair()[0]!, 10);
      expect(messages).toHaveLength(1);
      return messages;
    }, 20_000);
    expect(attemptsFor('poison-dlq')).toBe(MAX_RECEIVES);
    expect(dead?.detailType).toBe(accountCreated.DETAIL_TYPE);
    expect(JSON.parse(dead?.body ?? '{}').detail.name).toBe('poison-dlq');
    expect(consumed).not.toContain('poison-dlq');

    // The operator sees it, in the command's table and with --queue in the message itself (both reads, run at once).
    const [listed, shown] = await Promise.all([dlqCommand('list', '--json'), dlqCommand('list', '--queue', 'fixture-dlq')]);
    const fixture = JSON.parse(listed.stdout).queues.find((queue: { queue: string }) => queue.queue === 'fixture-dlq');
    expect(fixture).toMatchObject({ deadLetterQueue: 'gpuhive-local-fixture-dlq-dlq', dead: 1 });
    expect(shown.stdout).toContain('account.created');
    expect(shown.stdout).toContain('poison-dlq');

    // The cause is fixed; the redrive hands the message back and the consumer takes it once.
    healPoison();
    const redriven = await dlqCommand('redrive', '--queue', 'fixture-dlq');

    expect(redriven.stdout).toContain('fixture-dlq: moved 1 message(s) back to the queue');
    await eventually(async () => expect(consumed).toContain('poison-dlq'));
    expect(consumed.filter((name) => name === 'poison-dlq')).toHaveLength(1);
    const [after] = await countDeadLetters(localSqs(runtime), pair());
    expect(after?.dead).toBe(0);
  }, 60_000);

  it('prints its help, and refuses an unknown command or queue', async () => {
    const [help, unknownCommand, unknownQueue] = await Promise.all([
      dlqCommand('--help'),
      dlqCommand('purge').catch((error: { code: number; stderr: string }) => error),
      dlqCommand('list', '--queue', 'nope').catch((error: { code: number; stderr: string }) => error),
    ]);

    expect(help.stdout).toContain('Usage: npm run dlq -- <list|redrive>');
    expect(unknownCommand).toMatchObject({ code: 2, stderr: expect.stringContaining('list or redrive') });
    expect(unknownQueue).toMatchObject({ code: 2, stderr: expect.stringContaining("No queue named 'nope'") });
  }, 60_000);
});
