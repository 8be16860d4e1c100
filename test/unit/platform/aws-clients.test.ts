import { afterEach, describe, expect, it, vi } from 'vitest';
import { COUNT_SDK_CALLS_ENV } from '#platform/call-counter.ts';

const saved = process.env[COUNT_SDK_CALLS_ENV];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the SDK's Node 20 notice, as the runtime quiets it

/** The shared clients of a fresh module instance, built with the environment as it is now. */
const freshClients = async () => {
  vi.resetModules();
  return import('#platform/aws-clients.ts');
};
const carriesCounter = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().some((name) => name.startsWith('gpuhiveCallCounter'));

describe('the shared AWS clients', () => {
  afterEach(() => {
    if (saved === undefined) delete process.env[COUNT_SDK_CALLS_ENV];
    else process.env[COUNT_SDK_CALLS_ENV] = saved;
  });

  it('carry no call counter in a production Lambda (the variable unset)', async () => {
    delete process.env[COUNT_SDK_CALLS_ENV];
    const clients = await freshClients();

    for (const client of [clients.documentClient(), clients.sqsClient(), clients.eventBridgeClient(), clients.s3Client(), clients.stsClient()]) {
      expect(carriesCounter(client)).toBe(false);
    }
  });

  it('carry the call counter where the local runtime or the cost measurement asks for it', async () => {
    process.env[COUNT_SDK_CALLS_ENV] = 'true';
    const clients = await freshClients();

    for (const client of [clients.documentClient(), clients.sqsClient(), clients.eventBridgeClient(), clients.s3Client(), clients.stsClient()]) {
      expect(carriesCounter(client)).toBe(true);
    }
  });
});
