import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { UtcIsoDate } from '#agent/core/clock.ts';
import { AgentError, NetworkError } from '#agent/core/errors.ts';
import { nodeTransport, type HttpAnswer, type Transport } from './http.ts';
import type { QueueCredentials } from './types.ts';

/**
 * The three SQS calls the agent makes (ReceiveMessage, DeleteMessage), sent as the SQS JSON
 * protocol over node:http(s) and signed with the AWS SDK's own SigV4 signer. The full
 * `@aws-sdk/client-sqs` costs ~19 MB of RSS in an idle agent (and prints a "Node >= 22"
 * warning on Node 20) for two operations; this is the same wire format the SDK sends.
 */
export interface QueueMessage {
  readonly receiptHandle: string;
  readonly body: string;
}

export interface ReceiveInput {
  readonly waitSeconds: number;
  readonly maxMessages: number;
}

/** The poller's view of a queue: what it receives and deletes. Tests pass their own. */
export interface QueueClient {
  receive(input: ReceiveInput, signal?: AbortSignal): Promise<QueueMessage[]>;
  delete(receiptHandle: string): Promise<void>;
}

/** SQS answered with an error: `code` is the AWS error name (`QueueDoesNotExist`, `ExpiredToken`, ...). */
export class SqsError extends AgentError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`SQS ${status} ${code}: ${message}`);
  }
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer asks for. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }

  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const toBytes = (data: string | Uint8Array | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string' || data instanceof Uint8Array
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

interface RawMessage {
  readonly ReceiptHandle?: string;
  readonly Body?: string;
  readonly MD5OfBody?: string;
}

export interface SqsQueueOptions {
  readonly fetch?: Transport;
  /** Added to the long-poll wait for a receive, and the whole limit of a delete. */
  readonly timeoutMs?: number;
}

/** One host queue, with the credentials the API vended for it. */
export class SqsQueueClient implements QueueClient {
  private readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly fetch: Transport;

  constructor(
    private readonly credentials: QueueCredentials,
    private readonly options: SqsQueueOptions = {},
  ) {
    // Locally the API names the stand-in's endpoint; on AWS the queue URL's origin is SQS's endpoint.
    this.endpoint = new URL(credentials.endpoint ?? new URL(credentials.queueUrl).origin);
    this.signer = new SignatureV4({ service: 'sqs', region: credentials.region, credentials: credentials.credentials, sha256: NodeSha256 });
    this.fetch = options.fetch ?? nodeTransport;
  }

  async receive(input: ReceiveInput, signal?: AbortSignal): Promise<QueueMessage[]> {
    const answer = await this.call<{ Messages?: RawMessage[] }>(
      'ReceiveMessage',
      { QueueUrl: this.credentials.queueUrl, MaxNumberOfMessages: input.maxMessages, WaitTimeSeconds: input.waitSeconds },
      input.waitSeconds * 1000 + (this.options.timeoutMs ?? 15_000),
      signal,
    );
    return (answer.Messages ?? [])
      // A body that does not match its MD5 was damaged on the way: left to come back after its visibility timeout.
      .filter((raw) => raw.ReceiptHandle && (!raw.MD5OfBody || createHash('md5').update(raw.Body ?? '').digest('hex') === raw.MD5OfBody))
      .map((raw) => ({ receiptHandle: raw.ReceiptHandle!, body: raw.Body ?? '' }));
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.call('DeleteMessage', { QueueUrl: this.credentials.queueUrl, ReceiptHandle: receiptHandle }, this.options.timeoutMs ?? 15_000);
  }

  private async call<T>(action: string, input: Record<string, unknown>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const body = JSON.stringify(input);
    const path = this.endpoint.pathname || '/';
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      ...(this.endpoint.port ? { port: Number(this.endpoint.port) } : {}),
      path,
      query: {},
      headers: { host: this.endpoint.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
      body,
    }, { signingDate: new UtcIsoDate() }); // its toISOString leaves ICU's time zone data unloaded (core/clock.ts)
    const { host: _host, ...headers } = signed.headers; // the transport sets Host from the URL itself (the same value)
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: HttpAnswer;
    let text: string;
    try {
      response = await this.fetch(new URL(path, this.endpoint), {
        method: 'POST',
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new NetworkError(`cannot reach SQS at ${this.endpoint.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
    }
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      if (response.ok) throw new SqsError(response.status, 'InvalidResponse', `not JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      // `__type` is "com.amazonaws.sqs#QueueDoesNotExist"; query-compatible services also send the legacy code.
      const type = String(parsed.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError');
      const code = type.split('#').pop()!.split(':')[0] || 'UnknownError';
      const message = String(parsed.message ?? parsed.Message ?? (text.slice(0, 200) || response.statusText));
      throw new SqsError(response.status, code, message);
    }
    return parsed as T;
  }
}
