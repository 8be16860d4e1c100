/**
 * The local EventBridge: a `node:http` server speaking the EventBridge JSON 1.1 protocol
 * (`X-Amz-Target: AWSEvents.<Op>`), so the ordinary EventBridgeClient with an `endpoint`
 * override works against it. Matched events go to SQS targets through the given client.
 * State is in memory; the local runtime re-creates buses and rules at every start.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { EventBusRegistry } from './bus-registry.ts';
import { EventBridgeApiError } from './errors.ts';
import { createOperations, type Operation } from './operations.ts';
import { SqsTargetDelivery } from './sqs-delivery.ts';

export interface EventBridgeOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Already configured with the local SQS endpoint. */
  readonly sqs: SQSClient;
  readonly accountId?: string;
  readonly region?: string;
  readonly log?: (msg: string, data?: object) => void;
}

export interface RunningEventBridge {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSEvents.';
// Far above the 256 KB PutEvents limit; only guards the process against runaway bodies.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const startEventBridge = async (options: EventBridgeOptions): Promise<RunningEventBridge> => {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const log = options.log ?? (() => undefined);
  const delivery = new SqsTargetDelivery(options.sqs);
  const operations = createOperations({
    registry: new EventBusRegistry(`arn:aws:events:${region}:${accountId}`),
    deliver: (target, eventId, body) => delivery.deliver(target, eventId, body),
    accountId,
    region,
    log,
    newId: randomUUID,
    now: () => new Date(),
  });

  const server = createServer((request, response) => {
    void handleRequest(operations, log, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log('eventbridge.started', { endpoint });

  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // SDK clients keep connections alive; idle ones would hold close() open.
        server.closeIdleConnections();
      }),
  };
};

const handleRequest = async (
  operations: ReadonlyMap<string, Operation>,
  log: (msg: string, data?: object) => void,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> => {
  const requestId = randomUUID();
  try {
    const body = await readBody(request);
    const operation = resolveOperation(operations, request);
    const input = parseBody(body);
    const output = await operation(input);
    writeJson(response, 200, requestId, output);
  } catch (error) {
    if (error instanceof EventBridgeApiError) {
      writeJson(response, error.statusCode, requestId, { __type: error.type, message: error.message }, error.type);
      return;
    }
    log('eventbridge.internal-error', { requestId, error: error instanceof Error ? error.stack : String(error) });
    const body = { __type: 'InternalException', message: 'internal error' };
    writeJson(response, 500, requestId, body, 'InternalException');
  }
};

const resolveOperation = (operations: ReadonlyMap<string, Operation>, request: IncomingMessage): Operation => {
  const target = request.headers['x-amz-target'];
  const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = request.method === 'POST' ? operations.get(name) : undefined;
  if (operation === undefined) {
    throw new EventBridgeApiError(
      'UnknownOperationException',
      `Operation ${String(target ?? '(no X-Amz-Target)')} is not supported by the local EventBridge.`,
    );
  }
  return operation;
};

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new EventBridgeApiError('ValidationException', 'Request body is too large.', 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const parseBody = (body: string): unknown => {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new EventBridgeApiError('SerializationException', 'The request body is not valid JSON.');
  }
};

const writeJson = (
  response: ServerResponse,
  statusCode: number,
  requestId: string,
  body: unknown,
  errorType?: string,
): void => {
  const payload = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(payload);
};
