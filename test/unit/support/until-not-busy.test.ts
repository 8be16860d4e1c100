import { describe, expect, it } from 'vitest';
import { untilNotBusy, type ApiResponse } from '#test/support/api.ts';

/** A route that gives these statuses in turn, counting the requests it got. */
const route = (...statuses: number[]) => {
  let sent = 0;
  const call = async (): Promise<ApiResponse> => {
    const status = statuses[Math.min(sent, statuses.length - 1)]!;
    sent += 1;
    return { status, body: { status }, headers: new Headers() };
  };
  return { call, sent: () => sent };
};

describe('untilNotBusy, the test helpers\' retry of a busy API', () => {
  it('sends a request again while the API answers 503, and returns the first other answer', async () => {
    const busyTwice = route(503, 503, 201);
    expect((await untilNotBusy(busyTwice.call)).status).toBe(201);
    expect(busyTwice.sent()).toBe(3);
  });

  it('fails at once on an answer it did not expect, without sending it again', async () => {
    const refused = route(400);
    await expect(untilNotBusy(refused.call)).rejects.toThrow('expected 201, got 400: {"status":400}');
    expect(refused.sent()).toBe(1);
  });

  it('gives up after its attempts when the API stays busy, saying so', async () => {
    const alwaysBusy = route(503);
    await expect(untilNotBusy(alwaysBusy.call, [200, 201], 3)).rejects.toThrow('expected 200 or 201, got 503');
    expect(alwaysBusy.sent()).toBe(3);
  });
});
