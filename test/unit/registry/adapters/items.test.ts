import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toHostIdOf, toHostWithoutPulse, toPulse, toRegistrationToken } from '#registry/adapters/items.ts';

const hostItem = {
  pk: 'HOST#h1', sk: 'HOST', gsi1pk: 'PROVIDER#p1', gsi1sk: 'HOST#2026-01-01T00:00:00.000Z#h1',
  hostId: 'h1', providerId: 'p1', status: 'online', agentTokenHash: 'abc', revision: 3, listed: true, gpus: [{ model: 'H100' }],
};

describe('registry item codecs', () => {
  it('read a host without its keys, keeping the attributes it was written with', () => {
    expect(toHostWithoutPulse(hostItem)).toEqual({ hostId: 'h1', providerId: 'p1', status: 'online', agentTokenHash: 'abc', revision: 3, listed: true, gpus: [{ model: 'H100' }] });
  });

  it('read a pulse, leaving out what it does not hold', () => {
    expect(toPulse({ pk: 'PULSE#3', sk: 'HOST#h1', hostId: 'h1', lastHeartbeatAt: '2026-01-01T00:00:00.000Z', uptime: { '2026-01-01': 60 }, watched: 1 }))
      .toEqual({ lastHeartbeatAt: '2026-01-01T00:00:00.000Z', uptime: { '2026-01-01': 60 } });
  });

  it('read a registration token', () => {
    expect(toRegistrationToken({ pk: 'REGTOKEN#x', sk: 'REGTOKEN', tokenHash: 'x', providerId: 'p1', createdAt: 'c', expiresAt: 'e', ttl: 1 }))
      .toEqual({ tokenHash: 'x', providerId: 'p1', createdAt: 'c', expiresAt: 'e' });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toHostWithoutPulse({ ...hostItem, revision: '3' })).toThrow(MalformedItemError);
    expect(() => toHostWithoutPulse({ ...hostItem, revision: '3' })).toThrow(/stored host item .*revision/s);
    expect(() => toHostWithoutPulse({ ...hostItem, status: 'asleep' })).toThrow(/stored host item .*status/s);
    expect(() => toPulse({ uptime: {} })).toThrow(/stored host pulse item .*lastHeartbeatAt/s);
    expect(() => toPulse({ lastHeartbeatAt: 'x', uptime: {}, gpuUtilization: ['a'] })).toThrow(/stored host pulse item .*gpuUtilization/s);
    expect(() => toRegistrationToken({ tokenHash: 'x', providerId: 'p1', createdAt: 'c' })).toThrow(/stored registration token item .*expiresAt/s);
    expect(() => toHostIdOf({ sk: 'HOST#h1' })).toThrow(/stored host reference item .*hostId/s);
  });
});
