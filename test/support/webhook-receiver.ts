import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tracked } from './live-things.ts';

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface WebhookReceiver {
  /** Where to send: `http://127.0.0.1:<port>` and `path` (the local runtime admits loopback http). */
  readonly url: string;
  /** Every request so far, in the order they ended. */
  readonly received: readonly ReceivedRequest[];
  stop(): Promise<void>;
}

/**
 * A webhook endpoint on 127.0.0.1 that records each request and answers it with the next status of
 * `statuses`, then the last one again. Counted as live until stopped (live-things.ts), so a file of
 * the `runtime` project that leaves it listening fails rather than leaving a server in the worker
 * its next files share.
 */
export const startWebhookReceiver = async ({ path = '/hooks', statuses = [204] }: { path?: string; statuses?: readonly number[] } = {}): Promise<WebhookReceiver> => {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (part: string) => (body += part));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.statusCode = statuses[Math.min(received.length, statuses.length) - 1] ?? 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return tracked('a webhook receiver', {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
};
