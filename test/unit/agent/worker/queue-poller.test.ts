import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '#agent/api/client.ts';
import type { QueueCredentials } from '#agent/api/types.ts';
import { silentLogger } from '#agent/core/logger.ts';
import { QueuePoller } from '#agent/worker/queue-poller.ts';

/** Vends credentials that expire `lifetimeMs` after the fake clock's now. */
const vendingApi = (clock: { now: number }, lifetimeMs: number) => {
  const vended: QueueCredentials[] = [];
  const api = {
    queueCredentials: async () => {
      const credentials = { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/gpuhive-prod-host-1', region: 'eu-west-1', credentials: { accessKeyId: `AKIA${vended.length}`, secretAccessKey: 's', sessionToken: 't' }, expiresAt: new Date(clock.now + lifetimeMs).toISOString() };
      vended.push(credentials);
      return credentials;
    },
  } as unknown as ApiClient;
  return { api, vended };
};

describe('QueuePoller', () => {
  it('refreshes the vended credentials before they expire, and polls with the new ones', async () => {
    const clock = { now: Date.parse('2026-11-25T10:00:00Z') };
    const { api, vended } = vendingApi(clock, 3600_000);
    const usedKeys: string[] = [];
    const controller = new AbortController();
    let receives = 0;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      now: () => clock.now,
      refreshBeforeMs: 300_000,
      sqsFor: (credentials) => ({
        send: async (command: unknown) => {
          if (command instanceof ReceiveMessageCommand) {
            usedKeys.push(credentials.credentials.accessKeyId);
            receives += 1;
            clock.now += 20 * 60_000; // each long poll: 20 minutes of fake time
            if (receives === 5) controller.abort();
          }
          return { Messages: [] };
        },
        destroy: () => undefined,
      }) as unknown as Pick<SQSClient, 'send' | 'destroy'>,
    });

    await poller.run(controller.signal, async () => true);

    // 10:00 vend (expires 11:00); polls at 10:00, 10:20, 10:40; at 11:00 - 5 min passed: vend again.
    expect(usedKeys).toEqual(['AKIA0', 'AKIA0', 'AKIA0', 'AKIA1', 'AKIA1']);
    expect(vended).toHaveLength(2);
  });

  it('deletes a message only when the handler says its effect is safe, and drops unreadable ones', async () => {
    const clock = { now: 0 };
    const { api } = vendingApi(clock, 3600_000);
    const deleted: string[] = [];
    const controller = new AbortController();
    let served = false;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      sqsFor: () => ({
        send: async (command: unknown) => {
          if (command instanceof DeleteMessageCommand) deleted.push(command.input.ReceiptHandle!);
          if (command instanceof ReceiveMessageCommand) {
            if (served) { controller.abort(); return { Messages: [] }; }
            served = true;
            return {
              Messages: [
                { ReceiptHandle: 'keep', Body: JSON.stringify({ type: 'cancel', assignmentId: 'a-1', jobId: 'j-1', reason: 'renter' }) },
                { ReceiptHandle: 'done', Body: JSON.stringify({ type: 'cancel', assignmentId: 'a-2', jobId: 'j-1', reason: 'renter' }) },
                { ReceiptHandle: 'garbage', Body: '{not json' },
              ],
            };
          }
          return {};
        },
        destroy: () => undefined,
      }) as unknown as Pick<SQSClient, 'send' | 'destroy'>,
    });

    await poller.run(controller.signal, async (message) => message.assignmentId === 'a-2');

    expect(deleted).toEqual(['done', 'garbage']);
  });

  it('asks for new credentials at once when SQS says they expired', async () => {
    const clock = { now: 0 };
    const { api, vended } = vendingApi(clock, 3600_000);
    const controller = new AbortController();
    let calls = 0;
    const poller = new QueuePoller(api, {
      logger: silentLogger,
      sleep: async () => undefined,
      sqsFor: () => ({
        send: async () => {
          calls += 1;
          if (calls === 1) throw Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' });
          controller.abort();
          return { Messages: [] };
        },
        destroy: () => undefined,
      }) as unknown as Pick<SQSClient, 'send' | 'destroy'>,
    });

    await poller.run(controller.signal, async () => true);

    expect(vended).toHaveLength(2);
  });
});
