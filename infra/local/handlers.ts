import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { callCounter } from '#platform/call-counter.ts';
import type { FunctionDef } from '../topology.ts';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Imports a function's module as Lambda would load it, once, and returns its `handler`. */
export const loadHandler = (root: string, fn: FunctionDef): Promise<LambdaHandler> => {
  let handler = loaded.get(fn.entry);
  if (!handler) {
    handler = import(pathToFileURL(resolve(root, fn.entry)).href).then((module: { handler?: LambdaHandler }) => {
      if (typeof module.handler !== 'function') throw new Error(`${fn.entry} exports no handler`);
      return module.handler;
    });
    loaded.set(fn.entry, handler);
  }
  return handler;
};

/**
 * Runs a function's handler as one Lambda invocation. Every way the local runtime invokes one
 * (routes, the authorizer, consumers, schedules) comes through here, so a cost measurement
 * (`npm run cost`) counts each invocation, and the SDK calls inside it, under the function's entry.
 * The context, and so the function's deadline, is made once the module is loaded: on AWS a cold
 * start's init does not count against the function's timeout, and here a first call's import
 * beside a busy machine's other work once took a route's whole 10 s.
 */
export const invokeHandler = async (root: string, fn: FunctionDef, event: unknown, contextOnceLoaded: () => unknown): Promise<unknown> => {
  const handler = await loadHandler(root, fn);
  const context = contextOnceLoaded();
  return callCounter.invocation(fn.entry, () => handler(event, context));
};

export const functionName = (fn: FunctionDef): string => fn.entry.replace(/^functions\//, '').replace(/\.ts$/, '').replaceAll('/', '-');
