import { describe, expect, it } from 'vitest';
import { defineEvent, newEvent, patternFor } from '#events/define.ts';
import { definitionOf, events } from '#events/index.ts';
import type { HostChange } from '#registry/domain/lifecycle.ts';
import { completeDeregistration } from '#registry/domain/lifecycle.ts';
import { hostEvents } from '#registry/use-cases/host-events.ts';
import { z } from 'zod';
import { aHost, at, sampleDetail, T0 } from '#test/support/factories.ts';

const names = Object.keys(events) as (keyof typeof events)[];
const ENVELOPE_FIELDS = ['version', 'eventId', 'occurredAt'] as const;

describe('events/index.ts', () => {
  it.each(names)('%s: a sample detail validates against its schema', (name) => {
    const result = events[name].schema.safeParse(sampleDetail(name));

    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });

  it.each(names.flatMap((name) => ENVELOPE_FIELDS.map((field) => [name, field] as const)))(
    '%s: the envelope field %s is required',
    (name, field) => {
      const { [field]: _dropped, ...detail } = sampleDetail(name);

      expect(events[name].schema.safeParse(detail).success).toBe(false);
    },
  );

  it.each(names)('%s: a detail of another version is refused', (name) => {
    const detail = { ...sampleDetail(name), version: events[name].VERSION + 1 };

    expect(events[name].schema.safeParse(detail).success).toBe(false);
  });

  it.each(names)('%s: occurredAt must be an ISO-8601 UTC time', (name) => {
    const detail = { ...sampleDetail(name), occurredAt: '10/03/2025 10:00' };

    expect(events[name].schema.safeParse(detail).success).toBe(false);
  });

  it.each(names)('%s: a source under gpuhive. and a dotted detail-type', (name) => {
    expect(events[name].SOURCE).toMatch(/^gpuhive\.[a-z]+$/);
    expect(events[name].DETAIL_TYPE).toMatch(/^[a-z]+\.[a-z_]+$/);
  });

  it('gives every definition its own source and detail-type pair', () => {
    const pairs = names.map((name) => `${events[name].SOURCE}|${events[name].DETAIL_TYPE}`);

    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it.each(names)('%s: definitionOf finds it by source and detail-type', (name) => {
    expect(definitionOf(events[name].SOURCE, events[name].DETAIL_TYPE)).toBe(events[name]);
  });
});

describe('newEvent', () => {
  it('fills the envelope: version, a fresh eventId and occurredAt from the given time', () => {
    const event = newEvent(events.accountCreated, { accountId: 'acct_1', kind: 'renter', name: 'Ada' }, T0);

    expect(event.detail).toMatchObject({ version: 1, occurredAt: T0.toISOString() });
    expect(event.detail.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event).toMatchObject({ source: 'gpuhive.accounts', detailType: 'account.created' });
  });

  it('refuses a payload that does not match the schema', () => {
    expect(() => newEvent(events.accountCreated, { accountId: 'acct_1', kind: 'admin' as 'renter', name: 'Ada' }, T0)).toThrow();
  });
});

describe('hostEvents', () => {
  const CHANGES: readonly HostChange[] = ['registered', 'updated', 'unreachable', 'came_online', 'went_offline', 'deregistered'];
  const now = at(T0, 120);

  it.each(CHANGES)('%s: produces a detail that validates against its definition', (change) => {
    const host = aHost({ lastHeartbeatAt: now.toISOString() });

    const [event] = hostEvents(host, [change], now);

    const definition = definitionOf(event!.source, event!.detailType);
    expect(definition?.DETAIL_TYPE).toBe(`host.${change}`);
    expect(definition!.schema.safeParse(event!.detail).success).toBe(true);
  });

  it('produces one event per change, in order', () => {
    const { host, changes } = completeDeregistration(aHost(), now);

    const produced = hostEvents(host, changes, now);

    expect(produced.map((event) => event.detailType)).toEqual(['host.went_offline', 'host.deregistered']);
    expect(produced[1]!.detail.since).toBe(now.toISOString());
  });

  it('announces a host with a public address and simulated GPUs with a valid snapshot', () => {
    const host = aHost({ publicAddress: '198.51.100.7', simulated: true, runtimes: ['docker', 'process'] });

    const [event] = hostEvents(host, ['registered'], T0);

    expect(events.hostRegistered.schema.parse(event!.detail)).toMatchObject({ publicAddress: '198.51.100.7', simulated: true });
  });

  it('reports a deregistering host as draining to matching', () => {
    const host = aHost({ deregistering: true, draining: false });

    const [event] = hostEvents(host, ['updated'], T0);

    expect(event!.detail.draining).toBe(true);
  });

  it('leaves the reported GPU name out of the snapshot: matching sees canonical models', () => {
    const [event] = hostEvents(aHost(), ['registered'], T0);

    expect(event!.detail.gpus).toEqual([
      { index: 0, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-aaaa' },
      { index: 1, model: 'RTX 4090', vramMb: 24_564, uuid: 'GPU-bbbb' },
    ]);
  });
});

describe('patternFor', () => {
  it('lists the sources and detail-types of the definitions', () => {
    expect(patternFor(events.hostRegistered, events.hostUpdated, events.accountCreated)).toEqual({
      source: ['gpuhive.registry', 'gpuhive.accounts'],
      'detail-type': ['host.registered', 'host.updated', 'account.created'],
    });
  });

  it('lists each source once', () => {
    const pattern = patternFor(events.hostUnreachable, events.hostCameOnline, events.hostWentOffline);

    expect(pattern.source).toEqual(['gpuhive.registry']);
    expect(pattern['detail-type']).toHaveLength(3);
  });

  it('takes its strings from the definitions, never retyped', () => {
    const custom = defineEvent({ source: 'gpuhive.test', detailType: 'thing.happened', version: 2, payload: { id: z.string() } });

    expect(patternFor(custom)).toEqual({ source: ['gpuhive.test'], 'detail-type': ['thing.happened'] });
  });
});
