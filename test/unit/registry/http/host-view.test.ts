import { describe, expect, it } from 'vitest';
import { hostView } from '#registry/http/mappers.ts';
import { hostSnapshot } from '#registry/use-cases/host-events.ts';
import { aHost, at, T0 } from '#test/support/factories.ts';

describe('GET /v1/hosts: one truth about a host', () => {
  it('says a listed host that is unreachable or offline takes no work', () => {
    const online = hostView(aHost(), T0);
    const unreachable = hostView(aHost({ status: 'unreachable' }), T0);
    const offline = hostView(aHost({ status: 'offline' }), T0);

    expect([online.listed, online.acceptsWork]).toEqual([true, true]);
    expect([unreachable.listed, unreachable.acceptsWork]).toEqual([true, false]);
    expect([offline.listed, offline.acceptsWork]).toEqual([true, false]);
  });

  it('shows the reliability the host snapshot gives matching (what /v1/offers shows)', () => {
    const host = aHost({ status: 'online', lastHeartbeatAt: at(T0, 3600).toISOString(), uptime: {} });
    const now = at(T0, 3600);

    expect(hostView(host, now).reliability).toBe(hostSnapshot(host, now).reliability);
  });
});
