import { describe, expect, it } from 'vitest';
import { acceptsWork, DEFAULT_LIVENESS, statusReason } from '#registry/domain/host.ts';
import { hostSnapshot } from '#registry/use-cases/host-events.ts';
import {
  applyHeartbeat,
  applyPatch,
  applySignOff,
  applySilence,
  completeDeregistration,
  newHost,
  requestDeregistration,
} from '#registry/domain/lifecycle.ts';
import { dayOf, reliability } from '#registry/domain/reliability.ts';
import { microUsd } from '#platform/money.ts';
import { aHost, at, hostFacts, hostIds, T0 } from '#test/support/factories.ts';

const settings = DEFAULT_LIVENESS; // heartbeat 60 s, unreachable after 90 s, offline after 600 s

describe('newHost', () => {
  it('stores the canonical model beside the reported name', () => {
    const host = newHost(hostFacts(), hostIds, T0);

    expect(host.gpus.map((gpu) => [gpu.model, gpu.name])).toEqual([
      ['RTX 4090', 'NVIDIA GeForce RTX 4090'],
      ['RTX 4090', 'NVIDIA GeForce RTX 4090'],
    ]);
  });

  it('sorts the GPUs by index', () => {
    const host = newHost(hostFacts(), hostIds, T0);

    expect(host.gpus.map((gpu) => [gpu.index, gpu.uuid])).toEqual([
      [0, 'GPU-aaaa'],
      [1, 'GPU-bbbb'],
    ]);
  });

  it('starts online and listed, not draining, with every time set to the registration time', () => {
    const host = newHost(hostFacts(), hostIds, T0);

    expect(host).toMatchObject({
      status: 'online',
      listed: true,
      draining: false,
      deregistering: false,
      statusSince: T0.toISOString(),
      registeredAt: T0.toISOString(),
      lastHeartbeatAt: T0.toISOString(),
      uptime: {},
      revision: 0,
      simulated: false,
    });
  });

  it('keeps each runtime once', () => {
    const host = newHost(hostFacts({ runtimes: ['docker', 'process', 'docker'] }), hostIds, T0);

    expect(host.runtimes).toEqual(['docker', 'process']);
  });

  it('keeps the ids it was given', () => {
    const host = newHost(hostFacts(), hostIds, T0);

    expect(host).toMatchObject(hostIds);
  });
});

describe('applyHeartbeat', () => {
  it('refreshes lastHeartbeatAt and credits the short gap as uptime', () => {
    const host = aHost();
    const now = at(T0, 60);

    const { host: next } = applyHeartbeat(host, {}, now, settings);

    expect(next.lastHeartbeatAt).toBe(now.toISOString());
    expect(next.uptime[dayOf(now)]).toBe(60);
  });

  it('brings an unreachable host back online and says came_online', () => {
    const host = aHost({ status: 'unreachable', statusSince: T0.toISOString() });
    const now = at(T0, 120);

    const { host: next, changes } = applyHeartbeat(host, {}, now, settings);

    expect(next.status).toBe('online');
    expect(next.statusSince).toBe(now.toISOString());
    expect(changes).toContain('came_online');
  });

  it('brings an offline host back online, clearing its sign-off', () => {
    const host = aHost({ status: 'offline', statusSince: at(T0, 30).toISOString(), signedOffAt: at(T0, 30).toISOString() });
    const now = at(T0, 3600);

    const { host: next, changes } = applyHeartbeat(host, {}, now, settings);

    expect(next.status).toBe('online');
    expect(next.signedOffAt).toBeUndefined();
    expect(changes).toContain('came_online');
  });

  it('counts a heartbeat handled late from when it was received, reviving a host it reached after it went down', () => {
    const host = aHost({ status: 'unreachable', lastHeartbeatAt: T0.toISOString(), statusSince: T0.toISOString() });
    const received = at(T0, 100);

    const { host: next, changes } = applyHeartbeat(host, {}, at(T0, 130), settings, received);

    expect(next.status).toBe('online');
    expect(next.lastHeartbeatAt).toBe(received.toISOString());
    expect(changes).toContain('came_online');
  });

  it('does not revive a host with a heartbeat received before it went unreachable and handled after', () => {
    const host = aHost({ status: 'unreachable', lastHeartbeatAt: T0.toISOString(), statusSince: T0.toISOString() });
    const received = at(T0, settings.unreachableAfterSeconds - 30);

    const { host: next, changes } = applyHeartbeat(host, {}, at(T0, settings.unreachableAfterSeconds + 10), settings, received);

    expect(next.status).toBe('unreachable');
    expect(next.lastHeartbeatAt).toBe(received.toISOString());
    expect(changes).not.toContain('came_online');
  });

  it('does not revive a signed-off host with a heartbeat received before the sign-off, but does with one received after', () => {
    const host = aHost({ status: 'offline', lastHeartbeatAt: T0.toISOString(), statusSince: at(T0, 30).toISOString(), signedOffAt: at(T0, 30).toISOString() });

    expect(applyHeartbeat(host, {}, at(T0, 40), settings, at(T0, 20)).host.status).toBe('offline');
    expect(applyHeartbeat(host, {}, at(T0, 40), settings, at(T0, 31)).host.status).toBe('online');
  });

  it('revives an offline host with a heartbeat received after it went offline, however late it was handled', () => {
    const host = aHost({ status: 'offline', lastHeartbeatAt: T0.toISOString(), statusSince: at(T0, 600).toISOString() });

    const { host: next } = applyHeartbeat(host, {}, at(T0, 1000), settings, at(T0, 700));

    expect(next.status).toBe('online');
  });

  it('never moves liveness back for a heartbeat received before the last one recorded', () => {
    const host = aHost({ lastHeartbeatAt: at(T0, 60).toISOString() });

    const { host: next } = applyHeartbeat(host, {}, at(T0, 61), settings, at(T0, 30));

    expect(next.lastHeartbeatAt).toBe(at(T0, 60).toISOString());
  });

  it('takes a receive time later than the handling clock as now', () => {
    const { host: next } = applyHeartbeat(aHost(), {}, at(T0, 60), settings, at(T0, 75));

    expect(next.lastHeartbeatAt).toBe(at(T0, 60).toISOString());
  });

  it('does not credit a gap longer than the unreachable threshold', () => {
    const host = aHost({ status: 'offline' });
    const now = at(T0, 3600);

    const { host: next } = applyHeartbeat(host, {}, now, settings);

    expect(next.uptime[dayOf(now)]).toBe(0);
  });

  it('says updated when the agent starts draining', () => {
    const host = aHost({ uptime: { [dayOf(T0)]: 0 } });

    const { host: next, changes } = applyHeartbeat(host, { draining: true }, at(T0, 1), settings);

    expect(next.draining).toBe(true);
    expect(changes).toEqual(['updated']);
  });

  it('says nothing when an online host that is not draining beats on time with an unchanged reliability', () => {
    const registeredAt = at(T0, -7 * 86_400);
    const host = aHost({ lastHeartbeatAt: at(T0, -60).toISOString() }, registeredAt);
    const fullWeek = Object.fromEntries(
      Array.from({ length: 8 }, (_, day) => [dayOf(at(T0, -day * 86_400)), 86_400]),
    );

    const { changes } = applyHeartbeat({ ...host, uptime: fullWeek }, { draining: false }, T0, settings);

    expect(changes).toEqual([]);
  });

  it('announces the lower reliability when a host comes back from a long downtime, so offers show what /v1/hosts does', () => {
    // Registered at T0 and announced at 1; offline from +60 s to +1 h: about 2% of its life online.
    const host = aHost({ status: 'offline', lastHeartbeatAt: at(T0, 60).toISOString(), uptime: { [dayOf(T0)]: 60 }, publishedReliability: 1 }, T0);
    const now = at(T0, 3600);

    const { host: next, changes } = applyHeartbeat(host, {}, now, settings);

    expect(changes).toEqual(['came_online', 'updated']);
    expect(next.publishedReliability).toBe(reliability(next, now));
    expect(next.publishedReliability).toBe(0.02);
  });

  it('announces a reliability that drifted a hundredth over many beats, each too small to notice alone', () => {
    const host = aHost({ lastHeartbeatAt: at(T0, 3540).toISOString(), uptime: { [dayOf(T0)]: 1800 }, publishedReliability: 0.49 }, T0);
    const now = at(T0, 3600);

    const { host: next, changes } = applyHeartbeat(host, {}, now, settings);

    expect(reliability(next, now)).toBe(0.52);
    expect(changes).toEqual(['updated']);
    expect(next.publishedReliability).toBe(0.52);
  });

  it('keeps the GPU utilisation the agent reported', () => {
    const { host: next } = applyHeartbeat(aHost(), { gpuUtilization: [97, 12] }, at(T0, 60), settings);

    expect(next.gpuUtilization).toEqual([97, 12]);
  });

  it('does not announce an update on every beat of a young host that beats on time', () => {
    // Reliability judges a new host on the time it has existed; a host that never missed a
    // beat has shown no downtime, so its figure (and matching's copy of it) should not move.
    let host = aHost();
    const announced: string[] = [];
    for (let beat = 1; beat <= 10; beat += 1) {
      const transition = applyHeartbeat(host, {}, at(T0, beat * 60), settings);
      announced.push(...transition.changes);
      host = transition.host;
    }

    expect(announced).toEqual([]);
  });

  it('stops placing on a host whose agent reports a failing queue poll, and announces only the start and the end', () => {
    const failing = { failingSince: at(T0, 30).toISOString(), failures: 3, error: 'cannot reach SQS: ECONNREFUSED' };

    const started = applyHeartbeat(aHost(), { queuePoll: failing }, at(T0, 60), settings);
    const again = applyHeartbeat(started.host, { queuePoll: { ...failing, failures: 9, error: 'another error' } }, at(T0, 120), settings);
    const cleared = applyHeartbeat(again.host, {}, at(T0, 180), settings);

    expect(started.changes).toEqual(['updated']);
    expect(started.host.queuePollFailing).toEqual({ since: failing.failingSince, error: failing.error });
    expect(acceptsWork(started.host)).toBe(false);
    expect(statusReason(started.host)).toMatch(/not receiving work: the agent cannot poll its assignment queue since .*ECONNREFUSED.*gpuhive-agent doctor/);
    expect(hostSnapshot(started.host, at(T0, 60)).listed).toBe(false);
    expect(again.changes).toEqual([]);
    expect(cleared.changes).toEqual(['updated']);
    expect(cleared.host.queuePollFailing).toBeUndefined();
    expect(acceptsWork(cleared.host)).toBe(true);
    expect(hostSnapshot(cleared.host, at(T0, 180)).listed).toBe(true);
  });

  it('does not bring a deregistered host back online', () => {
    // An agent token stays in the authorizer's cache for up to 60 s after deregistration:
    // a late heartbeat must not resurrect the host (lifecycle.ts: "not one that ... was deregistered").
    const deregistered = completeDeregistration(aHost(), at(T0, 30)).host;

    const { host: next, changes } = applyHeartbeat(deregistered, {}, at(T0, 40), settings);

    expect(next.status).toBe('offline');
    expect(changes).not.toContain('came_online');
  });
});

describe('applySilence', () => {
  it('changes nothing before the unreachable threshold', () => {
    const host = aHost();

    const transition = applySilence(host, at(T0, settings.unreachableAfterSeconds - 1), settings);

    expect(transition.changes).toEqual([]);
    expect(transition.host).toBe(host);
  });

  it('marks an online host unreachable at the threshold, since its last heartbeat', () => {
    const host = aHost();

    const { host: next, changes } = applySilence(host, at(T0, settings.unreachableAfterSeconds), settings);

    expect(next.status).toBe('unreachable');
    expect(next.statusSince).toBe(host.lastHeartbeatAt);
    expect(changes).toEqual(['unreachable']);
  });

  it('leaves an unreachable host unreachable until the offline threshold', () => {
    const host = aHost({ status: 'unreachable' });

    const { changes } = applySilence(host, at(T0, settings.offlineAfterSeconds - 1), settings);

    expect(changes).toEqual([]);
  });

  it('takes an unreachable host offline at the offline threshold', () => {
    const host = aHost({ status: 'unreachable' });
    const now = at(T0, settings.offlineAfterSeconds);

    const { host: next, changes } = applySilence(host, now, settings);

    expect(next.status).toBe('offline');
    expect(next.statusSince).toBe(now.toISOString());
    expect(changes).toEqual(['went_offline']);
  });

  it('takes an online host silent past the offline threshold offline, announcing it was unreachable first', () => {
    const { host: next, changes } = applySilence(aHost(), at(T0, settings.offlineAfterSeconds + 5), settings);

    expect(next.status).toBe('offline');
    expect(changes).toEqual(['unreachable', 'went_offline']);
  });

  it('leaves an offline host alone', () => {
    const host = aHost({ status: 'offline' });

    expect(applySilence(host, at(T0, 86_400), settings).changes).toEqual([]);
  });
});

describe('applySignOff', () => {
  it('takes an online host offline at once and records the sign-off', () => {
    const now = at(T0, 10);

    const { host: next, changes } = applySignOff(aHost(), now);

    expect(next).toMatchObject({ status: 'offline', statusSince: now.toISOString(), signedOffAt: now.toISOString() });
    expect(changes).toEqual(['went_offline']);
  });

  it('changes nothing on a host that is already offline', () => {
    const host = aHost({ status: 'offline' });

    const transition = applySignOff(host, at(T0, 10));

    expect(transition.host).toBe(host);
    expect(transition.changes).toEqual([]);
  });
});

describe('applyPatch', () => {
  it('says updated when the price changes', () => {
    const { host, changes } = applyPatch(aHost(), { pricePerGpuHour: microUsd(500_000) });

    expect(host.pricePerGpuHour).toBe(500_000);
    expect(changes).toEqual(['updated']);
  });

  it('says updated when the host is unlisted', () => {
    expect(applyPatch(aHost(), { listed: false }).changes).toEqual(['updated']);
  });

  it('says nothing when the patch repeats the current values', () => {
    const host = aHost();

    const { changes } = applyPatch(host, { pricePerGpuHour: host.pricePerGpuHour, listed: true, draining: false });

    expect(changes).toEqual([]);
  });
});

describe('requestDeregistration', () => {
  it('drains the host and marks it deregistering', () => {
    const { host, changes } = requestDeregistration(aHost());

    expect(host).toMatchObject({ deregistering: true, draining: true });
    expect(changes).toEqual(['updated']);
  });

  it('changes nothing when deregistration was already requested', () => {
    const host = aHost({ deregistering: true, draining: true });

    const transition = requestDeregistration(host);

    expect(transition.host).toBe(host);
    expect(transition.changes).toEqual([]);
  });
});

describe('completeDeregistration', () => {
  it('takes an online host offline, unlisted, deregistered, and says so twice', () => {
    const now = at(T0, 300);

    const { host, changes } = completeDeregistration(aHost({ deregistering: true, draining: true }), now);

    expect(host).toMatchObject({
      status: 'offline',
      listed: false,
      deregistering: false,
      deregisteredAt: now.toISOString(),
      statusSince: now.toISOString(),
    });
    expect(changes).toEqual(['went_offline', 'deregistered']);
  });

  it('only says deregistered for a host that was already offline', () => {
    const { changes } = completeDeregistration(aHost({ status: 'offline', deregistering: true }), at(T0, 300));

    expect(changes).toEqual(['deregistered']);
  });
});
