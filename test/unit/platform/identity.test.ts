import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bearerSecret, resolvePrincipal, type IdentityDeps } from '#platform/identity.ts';
import { hashSecret } from '#platform/secrets.ts';
import { at, T0 } from '#test/support/factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documents);

const ADMIN_KEY = 'gpuhive_admin_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const RENTER_KEY = 'gpuhive_renter_Zk3m9QwErTyUiOpAsDfGhJkLzXcVbNm1234567890';
const AGENT_TOKEN = 'gpuhive_agent_Qm8n7b6v5c4x3z2l1k0jHgFdSaPoIuYtReWq9876';

const deps: IdentityDeps = {
  documents,
  accountsTable: 'accounts-table',
  registryTable: 'registry-table',
  adminKeySha256: hashSecret(ADMIN_KEY),
  now: () => T0,
};

const keyHashItem = { pk: `KEYHASH#${hashSecret(RENTER_KEY)}`, sk: 'KEYHASH', accountId: 'acct_renter1', keyId: 'key_1', role: 'renter' };
const agentTokenItem = { pk: `AGENTTOKEN#${hashSecret(AGENT_TOKEN)}`, sk: 'AGENTTOKEN', hostId: 'host_1', providerId: 'acct_provider1' };

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
});

describe('resolvePrincipal', () => {
  it('resolves a renter key to its account through the key-hash item', async () => {
    dynamo.on(GetCommand, { TableName: 'accounts-table', Key: { pk: keyHashItem.pk, sk: 'KEYHASH' } }).resolves({ Item: keyHashItem });

    const principal = await resolvePrincipal(`Bearer ${RENTER_KEY}`, deps);

    expect(principal).toEqual({ kind: 'account', role: 'renter', accountId: 'acct_renter1', keyId: 'key_1' });
  });

  it('records when the key was last used, throttled by a condition', async () => {
    dynamo.on(GetCommand).resolves({ Item: keyHashItem });

    await resolvePrincipal(`Bearer ${RENTER_KEY}`, deps);

    const updates = dynamo.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    const input = updates[0]!.args[0].input;
    expect(input.TableName).toBe('accounts-table');
    expect(input.Key).toEqual({ pk: 'ACCOUNT#acct_renter1', sk: 'KEY#key_1' });
    expect(input.ExpressionAttributeValues).toEqual({
      ':now': T0.toISOString(),
      ':stale': at(T0, -300).toISOString(),
    });
  });

  it('skips the write while its own last write of that key is within the resolution, and writes again after it', async () => {
    dynamo.on(GetCommand).resolves({ Item: keyHashItem });
    let now = T0;
    const remembering: IdentityDeps = { ...deps, now: () => now, lastUsedWrites: new Map() };

    await resolvePrincipal(`Bearer ${RENTER_KEY}`, remembering);
    now = at(T0, 300);
    const principal = await resolvePrincipal(`Bearer ${RENTER_KEY}`, remembering);
    now = at(T0, 301);
    await resolvePrincipal(`Bearer ${RENTER_KEY}`, remembering);

    expect(principal).toEqual({ kind: 'account', role: 'renter', accountId: 'acct_renter1', keyId: 'key_1' });
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':now'])).toEqual([T0.toISOString(), at(T0, 301).toISOString()]);
  });

  it('remembers no write the condition refused', async () => {
    dynamo.on(GetCommand).resolves({ Item: keyHashItem });
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const remembering: IdentityDeps = { ...deps, lastUsedWrites: new Map() };

    await resolvePrincipal(`Bearer ${RENTER_KEY}`, remembering);
    await resolvePrincipal(`Bearer ${RENTER_KEY}`, remembering);

    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(remembering.lastUsedWrites?.size).toBe(0);
  });

  it('still resolves the key when it was used moments ago and the throttle condition fails', async () => {
    dynamo.on(GetCommand).resolves({ Item: keyHashItem });
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    const principal = await resolvePrincipal(`Bearer ${RENTER_KEY}`, deps);

    expect(principal.kind).toBe('account');
  });

  it('never sends the secret itself to the table, only its hash', async () => {
    await resolvePrincipal(`Bearer ${RENTER_KEY}`, deps);

    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain(RENTER_KEY);
  });

  it('treats a revoked key as anonymous', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...keyHashItem, revokedAt: T0.toISOString() } });

    const principal = await resolvePrincipal(`Bearer ${RENTER_KEY}`, deps);

    expect(principal).toEqual({ kind: 'anonymous' });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('treats an unknown key as anonymous', async () => {
    const principal = await resolvePrincipal('Bearer gpuhive_renter_unknown', deps);

    expect(principal).toEqual({ kind: 'anonymous' });
  });

  it('resolves an agent token to its host from the registry table', async () => {
    dynamo
      .on(GetCommand, { TableName: 'registry-table', Key: { pk: agentTokenItem.pk, sk: 'AGENTTOKEN' } })
      .resolves({ Item: agentTokenItem });

    const principal = await resolvePrincipal(`Bearer ${AGENT_TOKEN}`, deps);

    expect(principal).toEqual({ kind: 'agent', role: 'agent', hostId: 'host_1', providerId: 'acct_provider1' });
  });

  it('treats a revoked agent token as anonymous', async () => {
    dynamo.on(GetCommand, { TableName: 'registry-table' }).resolves({ Item: { ...agentTokenItem, revokedAt: T0.toISOString() } });

    const principal = await resolvePrincipal(`Bearer ${AGENT_TOKEN}`, deps);

    expect(principal).toEqual({ kind: 'anonymous' });
  });

  it('does not look an agent token up in the accounts table', async () => {
    await resolvePrincipal(`Bearer ${AGENT_TOKEN}`, deps);

    const tables = dynamo.commandCalls(GetCommand).map((call) => call.args[0].input.TableName);
    expect(tables).toEqual(['registry-table']);
  });

  it('resolves the admin key by its hash without reading any table', async () => {
    const principal = await resolvePrincipal(`Bearer ${ADMIN_KEY}`, deps);

    expect(principal).toEqual({ kind: 'account', role: 'admin', accountId: 'admin', keyId: 'admin' });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('accepts an operator-chosen admin key that lacks the gpuhive prefix', async () => {
    const chosen = 'my-own-long-admin-secret';

    const principal = await resolvePrincipal(`Bearer ${chosen}`, { ...deps, adminKeySha256: hashSecret(chosen) });

    expect(principal).toMatchObject({ kind: 'account', role: 'admin' });
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('treats a wrong admin key as anonymous', async () => {
    const principal = await resolvePrincipal('Bearer gpuhive_admin_not-the-right-one', deps);

    expect(principal).toEqual({ kind: 'anonymous' });
  });

  it('treats every admin key as anonymous when no admin key is configured', async () => {
    const principal = await resolvePrincipal(`Bearer ${ADMIN_KEY}`, { ...deps, adminKeySha256: undefined });

    expect(principal).toEqual({ kind: 'anonymous' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without the Bearer scheme', RENTER_KEY],
    ['of another scheme', `Basic ${RENTER_KEY}`],
    ['with no secret after Bearer', 'Bearer '],
    ['with two secrets', `Bearer ${RENTER_KEY} ${RENTER_KEY}`],
  ])('treats an Authorization header %s as anonymous without reading any table', async (_, header) => {
    const principal = await resolvePrincipal(header, deps);

    expect(principal).toEqual({ kind: 'anonymous' });
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('bearerSecret', () => {
  it('accepts the scheme in any case', () => {
    expect(bearerSecret(`bearer ${RENTER_KEY}`)).toBe(RENTER_KEY);
  });
});
