import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsAndS3, type LocalSqsS3 } from '#infra/local/fauxqs.ts';
import { QUIET_MARK_MARGIN_MS, RESEND_WINDOW_MS, queuesQuiet, readQuietMark, resendSince, watchQueuesQuiet } from '#infra/local/quiet-mark.ts';
import { eventually } from '#test/support/local-runtime.ts';

let fauxqs: LocalSqsS3;
let sqs: SQSClient;
let queueUrl: string;
const dataDir = mkdtempSync(join(tmpdir(), 'gpuhive-quiet-'));

beforeAll(async () => {
  fauxqs = await startSqsAndS3();
  sqs = new SQSClient({ endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'quiet-mark-test' }))).QueueUrl!;
});
afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('resendSince', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');

  it('resends from a few seconds before the queues were last seen quiet', () => {
    const mark = new Date('2026-12-04T11:30:00.000Z');
    expect(resendSince(mark, now).getTime()).toBe(mark.getTime() - QUIET_MARK_MARGIN_MS);
  });

  it('resends the whole outbox window when no mark was kept (a data dir from before the mark)', () => {
    expect(resendSince(undefined, now).getTime()).toBe(now.getTime() - RESEND_WINDOW_MS);
  });

  it('never reaches back past the outbox window', () => {
    expect(resendSince(new Date('2026-11-01T00:00:00.000Z'), now).getTime()).toBe(now.getTime() - RESEND_WINDOW_MS);
  });
});

describe('the queues-quiet mark, on the local SQS', () => {
  it('calls empty queues quiet, and not while a message waits or is in flight', async () => {
    expect(await queuesQuiet(sqs, [queueUrl])).toBe(true);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'event' }));
    expect(await queuesQuiet(sqs, [queueUrl])).toBe(false);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    // Received but not deleted: a consumer is still working on it.
    expect(await queuesQuiet(sqs, [queueUrl])).toBe(false);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages![0]!.ReceiptHandle! }));
    expect(await queuesQuiet(sqs, [queueUrl])).toBe(true);
  });

  it('is written while the queues are quiet, and a busy last look keeps the earlier one', async () => {
    const watch = watchQueuesQuiet({ sqs, queueUrls: [queueUrl], dataDir, everyMs: 100, log: () => undefined });
    const first = await eventually(async () => {
      const mark = readQuietMark(dataDir);
      expect(mark).toBeInstanceOf(Date);
      return mark!;
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'in flight at stop' }));
    const busySince = Date.now();
    await watch.stop();

    const kept = readQuietMark(dataDir)!;
    expect(kept.getTime()).toBeGreaterThanOrEqual(first.getTime());
    expect(kept.getTime()).toBeLessThanOrEqual(busySince);
  });
});
