import { describe, expect, it } from 'vitest';
import { liveThings } from '#test/support/live-things.ts';
import { startWebhookReceiver } from '#test/support/webhook-receiver.ts';

const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body });

describe('the webhook receiver of the integration tests', () => {
  it('answers with each status in turn then the last, and records path, headers and body in order', async () => {
    const receiver = await startWebhookReceiver({ path: '/hooks/gpuhive', statuses: [500, 503, 200] });
    try {
      const statuses = [];
      for (const n of [1, 2, 3, 4]) statuses.push((await post(`${receiver.url}?n=${n}`, `{"n":${n}}`)).status);

      expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/gpuhive$/);
      expect(statuses).toEqual([500, 503, 200, 200]);
      expect(receiver.received.map((request) => [request.path, request.body, request.headers['x-test']])).toEqual([
        ['/hooks/gpuhive?n=1', '{"n":1}', 'yes'],
        ['/hooks/gpuhive?n=2', '{"n":2}', 'yes'],
        ['/hooks/gpuhive?n=3', '{"n":3}', 'yes'],
        ['/hooks/gpuhive?n=4', '{"n":4}', 'yes'],
      ]);
    } finally {
      await receiver.stop();
    }
  });

  it('counts as live until stopped, so a file that leaves it listening fails, and stops listening', async () => {
    const receiver = await startWebhookReceiver();

    expect([...liveThings()].map((thing) => thing.what)).toContain('a webhook receiver');
    expect((await post(receiver.url, '{}')).status).toBe(204);

    await receiver.stop();

    expect([...liveThings()].map((thing) => thing.what)).not.toContain('a webhook receiver');
    await expect(post(receiver.url, '{}')).rejects.toThrow();
  });
});
