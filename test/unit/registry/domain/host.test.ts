import { describe, expect, it } from 'vitest';
import { acceptsWork, statusReason } from '#registry/domain/host.ts';
import { aHost, at, T0 } from '#test/support/factories.ts';

describe('statusReason', () => {
  it('is null for an online, listed host that has been assigned work', () => {
    expect(statusReason(aHost({ lastAssignedAt: T0.toISOString() }))).toBeNull();
  });

  it('says "never assigned" for an online host that never got work', () => {
    expect(statusReason(aHost())).toBe('never assigned');
  });

  it('says when a deregistered host was deregistered', () => {
    const deregisteredAt = at(T0, 60).toISOString();

    expect(statusReason(aHost({ status: 'offline', deregisteredAt }))).toBe(`deregistered at ${deregisteredAt}`);
  });

  it('says a deregistering host waits for its work', () => {
    expect(statusReason(aHost({ deregistering: true, draining: true }))).toBe('deregistering: waiting for running work to finish');
  });

  it('says when a signed-off host signed off', () => {
    const signedOffAt = at(T0, 60).toISOString();

    expect(statusReason(aHost({ status: 'offline', signedOffAt }))).toBe(`signed off at ${signedOffAt}`);
  });

  it('says since when an offline host has been silent', () => {
    const host = aHost({ status: 'offline', statusSince: at(T0, 600).toISOString() });

    expect(statusReason(host)).toBe(`offline since ${at(T0, 600).toISOString()}: no heartbeat since ${T0.toISOString()}`);
  });

  it('says since when an unreachable host has been silent', () => {
    const host = aHost({ status: 'unreachable', statusSince: T0.toISOString() });

    expect(statusReason(host)).toBe(`unreachable since ${T0.toISOString()}: no heartbeat since ${T0.toISOString()}`);
  });

  it('says a draining host gets no new work', () => {
    expect(statusReason(aHost({ draining: true }))).toBe('draining: running work finishes, no new work is assigned');
  });

  it('says an unlisted host is not offered', () => {
    expect(statusReason(aHost({ listed: false }))).toBe('unlisted: not offered to renters');
  });
});

describe('acceptsWork', () => {
  it('accepts work when online, listed, not draining and not deregistering', () => {
    expect(acceptsWork(aHost())).toBe(true);
  });

  it.each([
    ['unreachable', { status: 'unreachable' as const }],
    ['offline', { status: 'offline' as const }],
    ['unlisted', { listed: false }],
    ['draining', { draining: true }],
    ['deregistering', { deregistering: true }],
  ])('refuses work when %s', (_, overrides) => {
    expect(acceptsWork(aHost(overrides))).toBe(false);
  });
});
