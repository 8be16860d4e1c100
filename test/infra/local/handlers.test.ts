import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { invokeHandler } from '#infra/local/handlers.ts';
import { lambdaContext } from '#infra/local/lambda-context.ts';
import type { FunctionDef } from '#infra/topology.ts';
import { eventually } from '#test/support/api.ts';
import { initGate } from '#test/fixtures/slow-init-gate.ts';

describe('a local Lambda invocation', () => {
  it("starts the function's deadline once its module is loaded, as a cold start's init does not count on AWS", async () => {
    const fn: FunctionDef = { entry: 'test/fixtures/slow-init-handler.ts', context: 'platform' };
    const made: Context[] = [];

    const invocation = invokeHandler(process.cwd(), fn, {}, () => {
      made.push(lambdaContext('slow-init', 10));
      return made.at(-1);
    });
    await eventually(async () => expect(initGate.loading).toBe(true), 10_000, 10);
    expect(made).toEqual([]);
    initGate.open();

    expect(await invocation).toBe(made[0]);
    expect(made).toHaveLength(1);
  });
});
