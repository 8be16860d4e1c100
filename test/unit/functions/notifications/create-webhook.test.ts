import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '#platform/principal.ts';
import { httpEvent, lambdaContext, renterPrincipal } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

type Handler = (typeof import('#functions/notifications/create-webhook.ts'))['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await importHandlerWith(() => import('#functions/notifications/create-webhook.ts'), {
    NOTIFICATIONS_TABLE_NAME: 'gpuhive-test-notifications',
    WEBHOOKS_ALLOW_LOOPBACK_HTTP: 'false',
  }));
});
resetEachTest(dynamo);

beforeEach(() => {
  dynamo.on(TransactWriteCommand).resolves({});
});

const create = (body: unknown, principal: Principal = renterPrincipal) =>
  handler(httpEvent({ routeKey: 'POST /v1/webhooks', principal, body: JSON.stringify(body) }), lambdaContext('create-webhook'));

describe('create-webhook handler', () => {
  it('answers 201 with the endpoint and a secret, and stores the secret with it', async () => {
    const response = await create({ url: 'https://hooks.example.com/gpuhive', events: ['job.ended', 'balance.low'] });
    const body = JSON.parse(response.body!);
    const stored = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Put!.Item!;

    expect(response.statusCode).toBe(201);
    expect(body).toMatchObject({ url: 'https://hooks.example.com/gpuhive', events: ['job.ended', 'balance.low'], secret: expect.stringMatching(/^whsec_/) });
    expect([stored.pk, stored.secret]).toEqual([`OWNER#${(renterPrincipal as { accountId: string }).accountId}`, body.secret]);
  });

  it.each([
    ['http on AWS', 'http://hooks.example.com/x'],
    ['the metadata service', 'https://169.254.169.254/latest'],
    ['loopback', 'https://127.0.0.1:8443/x'],
    ['not a URL', 'hooks'],
  ])('answers 400 naming url for %s', async (_name, url) => {
    const response = await create({ url, events: ['job.ended'] });
    expect([response.statusCode, JSON.parse(response.body!).error.details.map((d: { field: string }) => d.field)]).toEqual([400, ['url']]);
  });

  it('answers 400 naming an event this kind of account does not hear, and an unknown one', async () => {
    const provider: Principal = { kind: 'account', role: 'provider', accountId: 'acct_p', keyId: 'key_p' };
    const wrongKind = await create({ url: 'https://hooks.example.com/x', events: ['host.came_online', 'job.ended'] }, provider);
    const unknown = await create({ url: 'https://hooks.example.com/x', events: ['job.exploded'] });
    expect([JSON.parse(wrongKind.body!).error.details, JSON.parse(unknown.body!).error.details[0].field]).toEqual([
      [{ field: 'events.1', message: expect.stringContaining('host.unreachable') }],
      'events.0',
    ]);
  });

  it('answers 409 when the account already has the most endpoints allowed', async () => {
    dynamo.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
    const response = await create({ url: 'https://hooks.example.com/x', events: ['job.ended'] });
    expect([response.statusCode, JSON.parse(response.body!).error.code]).toEqual([409, 'too_many_webhooks']);
  });
});
