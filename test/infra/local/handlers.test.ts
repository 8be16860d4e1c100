import { describe, expect, it } from 'vitest';
import { invokeHandler } from '#infra/local/handlers.ts';
import { lambdaContext } from '#infra/local/lambda-context.ts';
import type { FunctionDef } from '#infra/topology.ts';

describe('a local Lambda invocation', () => {
  it("starts the function's deadline once its module is loaded, as a cold start's init does not count on AWS", async () => {
    // The fixture takes 400 ms to load (not imported here, so that the invocation loads it), twice this deadline.
    const fn: FunctionDef = { entry: 'test/fixtures/slow-init-handler.ts', context: 'platform', timeoutSeconds: 0.2 };

    const remainingMs = await invokeHandler(process.cwd(), fn, {}, () => lambdaContext('slow-init', 0.2));

    expect(remainingMs).toBeGreaterThan(0);
  });
});
