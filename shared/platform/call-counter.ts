import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/**
 * Counts, in this process, what the cost model prices: API requests per route, function
 * invocations and their duration, and AWS SDK calls per service and operation, each with the
 * units AWS bills (DynamoDB capacity units, SQS requests of 64 KB, EventBridge events of 64 KB).
 *
 * It is off unless something calls `start()` (infra/cost/measure.ts does, around a simulated
 * fleet on the local runtime); off, every hook is a single boolean check. Calls are attributed
 * to the scope they run in: the local gateway runs each handler in a scope named after its entry.
 */
export interface SdkUsage {
  /** Calls the code made (a retried call counts once). */
  calls: number;
  /** SQS requests and EventBridge events as billed: one per started 64 KB of payload. */
  billableRequests: number;
  /** DynamoDB read and write capacity units reported by the service, indexes included. */
  readUnits: number;
  writeUnits: number;
  /** The same units by table name, where the service named the table (tables may be billed differently). */
  tables?: Record<string, TableUnits>;
}

export interface TableUnits {
  readUnits: number;
  writeUnits: number;
}

export interface ScopeCounts {
  invocations: number;
  durationMs: number;
  /** Bytes the scope's code wrote to its logs (counted by whoever captures stdout). */
  logBytes: number;
  /** Keyed `Service.Operation`, e.g. `DynamoDB.PutItem`. */
  sdk: Record<string, SdkUsage>;
}

export interface CallCounts {
  /** Requests the API served, by route key (`$default` for unmatched ones). */
  apiRequests: Record<string, number>;
  scopes: Record<string, ScopeCounts>;
}

/** Where calls made outside any function scope are counted (pollers, setup, stray timers). */
export const UNSCOPED = '(no function)';

const BILLING_CHUNK_BYTES = 64 * 1024;

const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / BILLING_CHUNK_BYTES));

const byteLength = (value: unknown): number =>
  value === undefined || value === null ? 0 : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));

type Loose = Record<string, unknown>;
const entriesOf = (value: unknown): Loose[] => (Array.isArray(value) ? (value as Loose[]) : []);

/** SQS bills every request, and one more for each further 64 KB of message payload it carries. */
export const sqsBillableRequests = (operation: string, input: Loose, output: Loose | undefined): number => {
  const messageBytes = (message: Loose) => byteLength(message.MessageBody ?? message.Body) + byteLength(message.MessageAttributes);
  switch (operation) {
    case 'SendMessage':
      return chunks(messageBytes(input));
    case 'SendMessageBatch':
      return chunks(entriesOf(input.Entries).reduce((sum, entry) => sum + messageBytes(entry), 0));
    case 'ReceiveMessage':
      return chunks(entriesOf(output?.Messages).reduce((sum, message) => sum + messageBytes(message), 0));
    default:
      return 1;
  }
};

/** EventBridge bills each entry of a PutEvents, one event per started 64 KB. */
export const eventBridgeBillableEvents = (operation: string, input: Loose): number => {
  if (operation !== 'PutEvents') return 1;
  return entriesOf(input.Entries).reduce(
    (sum, entry) => sum + chunks(byteLength(entry.Detail) + byteLength(entry.DetailType) + byteLength(entry.Source) + byteLength(entry.Resources)),
    0,
  );
};

interface ConsumedCapacity {
  readonly TableName?: string;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly CapacityUnits?: number;
  readonly Table?: ConsumedCapacity;
  readonly GlobalSecondaryIndexes?: Record<string, ConsumedCapacity>;
  readonly LocalSecondaryIndexes?: Record<string, ConsumedCapacity>;
}

/** DynamoDB operations that can report the capacity they consumed. */
export const CAPACITY_OPERATIONS: ReadonlySet<string> = new Set([
  'GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems',
  'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems',
]);
const READ_OPERATIONS: ReadonlySet<string> = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/**
 * Read and write units from a response's `ConsumedCapacity` (one object, or one per table).
 * On-demand tables report only `CapacityUnits`: the operation tells which kind they are.
 */
export const dynamoUnits = (
  operation: string,
  output: Loose | undefined,
): { readUnits: number; writeUnits: number; tables: Record<string, TableUnits> } => {
  const reported = output?.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
  const all = reported === undefined ? [] : Array.isArray(reported) ? reported : [reported];
  let readUnits = 0;
  let writeUnits = 0;
  const tables: Record<string, TableUnits> = {};
  for (const capacity of all) {
    const total = capacity.CapacityUnits ?? 0;
    let read = 0;
    let write = 0;
    if (capacity.ReadCapacityUnits !== undefined || capacity.WriteCapacityUnits !== undefined) {
      read = capacity.ReadCapacityUnits ?? 0;
      write = capacity.WriteCapacityUnits ?? 0;
    } else if (READ_OPERATIONS.has(operation)) read = total;
    else write = total;
    readUnits += read;
    writeUnits += write;
    if (capacity.TableName) {
      const table = (tables[capacity.TableName] ??= { readUnits: 0, writeUnits: 0 });
      table.readUnits += read;
      table.writeUnits += write;
    }
  }
  return { readUnits, writeUnits, tables };
};

const emptyScope = (): ScopeCounts => ({ invocations: 0, durationMs: 0, logBytes: 0, sdk: {} });

export class CallCounter {
  #enabled = false;
  #counts: CallCounts = { apiRequests: {}, scopes: {} };
  readonly #scope = new AsyncLocalStorage<string>();

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Starts counting from zero. */
  start(): void {
    this.#counts = { apiRequests: {}, scopes: {} };
    this.#enabled = true;
  }

  /** Stops counting and returns what was counted. */
  stop(): CallCounts {
    this.#enabled = false;
    return this.snapshot();
  }

  snapshot(): CallCounts {
    return structuredClone(this.#counts);
  }

  /** The scope the calling code runs in: a function's entry, or UNSCOPED. */
  currentScope(): string {
    return this.#scope.getStore() ?? UNSCOPED;
  }

  recordApiRequest(routeKey: string): void {
    if (!this.#enabled) return;
    this.#counts.apiRequests[routeKey] = (this.#counts.apiRequests[routeKey] ?? 0) + 1;
  }

  /** Runs `work` as one invocation of `scope`, timing it; SDK calls inside are counted to it. */
  async invocation<T>(scope: string, work: () => Promise<T>): Promise<T> {
    if (!this.#enabled) return work();
    const started = performance.now();
    try {
      return await this.#scope.run(scope, work);
    } finally {
      const counts = this.#scopeCounts(scope);
      counts.invocations += 1;
      counts.durationMs += performance.now() - started;
    }
  }

  /** Runs `work` in `scope` without counting an invocation (a client outside any function). */
  within<T>(scope: string, work: () => T): T {
    return this.#scope.run(scope, work);
  }

  recordSdkCall(service: string, operation: string, usage: Partial<Omit<SdkUsage, 'calls'>> = {}): void {
    if (!this.#enabled) return;
    const sdk = this.#scopeCounts(this.currentScope()).sdk;
    const key = `${service}.${operation}`;
    const counted = (sdk[key] ??= { calls: 0, billableRequests: 0, readUnits: 0, writeUnits: 0 });
    counted.calls += 1;
    counted.billableRequests += usage.billableRequests ?? 1;
    counted.readUnits += usage.readUnits ?? 0;
    counted.writeUnits += usage.writeUnits ?? 0;
    for (const [table, units] of Object.entries(usage.tables ?? {})) {
      const seen = ((counted.tables ??= {})[table] ??= { readUnits: 0, writeUnits: 0 });
      seen.readUnits += units.readUnits;
      seen.writeUnits += units.writeUnits;
    }
  }

  recordLogBytes(bytes: number): void {
    if (!this.#enabled) return;
    this.#scopeCounts(this.currentScope()).logBytes += bytes;
  }

  #scopeCounts(scope: string): ScopeCounts {
    return (this.#counts.scopes[scope] ??= emptyScope());
  }
}

/**
 * Set to `true` by the local runtime and the cost measurement: only then do the shared AWS
 * clients (aws-clients.ts) carry the counting middleware. A production Lambda leaves it unset
 * and its clients carry none.
 */
export const COUNT_SDK_CALLS_ENV = 'GPUHIVE_COUNT_SDK_CALLS';

/** The one counter of this process. */
export const callCounter = new CallCounter();

/** The part of an AWS SDK v3 client this needs; kept structural so no Smithy type is imported. */
interface ClientWithMiddleware {
  readonly middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string }): void };
}

type Handler = (args: { input: Loose }) => Promise<{ output: Loose }>;
type HandlerContext = { clientName?: string; commandName?: string };

/**
 * Adds the counting middleware to an AWS SDK v3 client (and so to a DynamoDB document client
 * built on it, which shares its stack). While the counter runs, DynamoDB calls also ask for
 * `ReturnConsumedCapacity: INDEXES`, so the units are the service's own, indexes included.
 */
export const countSdkCalls = <C extends ClientWithMiddleware>(client: C, counter: CallCounter = callCounter): C => {
  const middleware = (next: Handler, context: HandlerContext): Handler => async (args) => {
    if (!counter.enabled) return next(args);
    const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const wantsCapacity = service === 'DynamoDB' && CAPACITY_OPERATIONS.has(operation) && args.input.ReturnConsumedCapacity === undefined;
    const sent = wantsCapacity ? { ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } } : args;
    let output: Loose | undefined;
    try {
      const result = await next(sent);
      output = result.output;
      return result;
    } finally {
      counter.recordSdkCall(service, operation, {
        ...(service === 'SQS' ? { billableRequests: sqsBillableRequests(operation, sent.input, output) } : {}),
        ...(service === 'EventBridge' ? { billableRequests: eventBridgeBillableEvents(operation, sent.input) } : {}),
        ...(service === 'DynamoDB' ? dynamoUnits(operation, output) : {}),
      });
    }
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'gpuhiveCallCounter' });
  return client;
};
