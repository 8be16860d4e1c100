import type { QueueClient } from '#agent/api/sqs-queue.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '#agent/api/client.ts';
import type { AssignmentMessage, CancelMessage } from '#agent/api/types.ts';
import type { DockerRunner } from '#agent/runner/docker-runner.ts';
import { silentLogger } from '#agent/core/logger.ts';
import { statePaths, type AgentState } from '#agent/config/state.ts';
import type { JobRunner, StartContext } from '#agent/runner/types.ts';
import { Agent } from '#agent/worker/agent.ts';
import { AssignmentStore } from '#agent/worker/assignment-store.ts';
import { eventually as poll } from '#test/support/api.ts';

/** The checks here read in-process state: poll often rather than every 200 ms. */
const eventually = <T>(check: () => Promise<T>, timeoutMs?: number) => poll(check, timeoutMs, 10);

/** The agent's loop against a fake API (its fetch seam) and a fake SQS (its poller seam). */
const state: AgentState = {
  version: 1, apiUrl: 'http://api.test', hostId: 'host_1', agentToken: 'gpuhive_agent_x', heartbeatIntervalSeconds: 60, region: 'eu-west', pricePerGpuHour: '0.450000',
  allowProcessJobs: true, simulateGpus: 'RTX 4090:24564x2', gpus: [], runtimes: ['process'], cpuCores: 4, memoryMb: 8192, registeredAt: '2026-11-25T10:00:00Z',
};

const message = (assignmentId: string): AssignmentMessage => ({
  type: 'assignment', assignmentId, jobId: 'job_1', command: ['train'], env: {}, gpuIndices: [0], maxDurationSeconds: 600, rank: 0, worldSize: 1, peers: [],
});

interface Call { readonly method: string; readonly path: string; readonly body: any }

const fakeApi = (answer: (call: Call) => { status: number; body?: unknown } | undefined = () => undefined) => {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const call = { method: init.method ?? 'GET', path: new URL(url).pathname, body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const given = answer(call);
    if (given) return new Response(given.body === undefined ? '' : JSON.stringify(given.body), { status: given.status });
    if (call.path === '/v1/agent/heartbeat') return Response.json({ status: 'online', statusReason: null, listed: true, heartbeatIntervalSeconds: 60, assignments: [] });
    if (call.path === '/v1/agent/queue-credentials') return Response.json({ queueUrl: 'http://sqs.test/000/host-1', region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 'c' }, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    if (call.path === '/v1/agent/usage') return Response.json({}, { status: 202 });
    return Response.json({});
  }) as typeof globalThis.fetch;
  return { calls, fetch, events: (id: string) => calls.filter((c) => c.path === `/v1/agent/assignments/${id}/events`).map((c) => c.body.type) };
};

/** Hands out `messages` once, then long-polls empty; records each delete with the outbox's content at that moment. */
const fakeSqs = (messages: (AssignmentMessage | CancelMessage)[], outboxPath: string, later: (AssignmentMessage | CancelMessage)[] = []) => {
  const deletes: string[] = [];
  let pending = messages.map((body, n) => ({ body: JSON.stringify(body), receiptHandle: `r-${n}` }));
  const queued = later.map((body, n) => ({ body: JSON.stringify(body), receiptHandle: `later-${n}` }));
  /** Set `now` to hand out the `later` messages on the next receive. */
  const release = { now: false };
  const client: QueueClient = {
    delete: async () => {
      deletes.push(readFileSync(outboxPath, 'utf8'));
    },
    receive: async (_input, signal) => {
      if (pending.length > 0) {
        const messages = pending;
        pending = [];
        return messages;
      }
      if (release.now && queued.length > 0) return queued.splice(0);
      await new Promise((resolve) => { const t = setTimeout(resolve, 200); signal?.addEventListener('abort', () => { clearTimeout(t); resolve(undefined); }); });
      return [];
    },
  };
  return { deletes, release, sqsFor: () => client };
};

/** A runner whose jobs exit with `code` after `ms`. */
const fakeRunner = (code: number, ms = 20, output = 'hello from the job\n') => {
  const started: StartContext[] = [];
  const runner: JobRunner = {
    async start(context) {
      started.push(context);
      context.onStarted();
      context.logs.write('stdout', output);
      const exited = new Promise<{ exitCode: number }>((resolve) => setTimeout(() => resolve({ exitCode: code }), ms));
      return { pid: 999_999, exited, stop: async () => exited, detach: () => undefined };
    },
  };
  return { started, runner };
};

const agents: Agent[] = [];
afterEach(() => agents.splice(0).forEach((agent) => agent.stop()));

const startAgent = (dir: string, api: ReturnType<typeof fakeApi>, sqs: ReturnType<typeof fakeSqs>, runner?: JobRunner, docker?: unknown, stopGraceMs = 500) => {
  const agent = new Agent({
    state, paths: statePaths(dir), logger: silentLogger,
    api: new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken, fetch: api.fetch }),
    runners: { ...(runner ? { process: runner } : {}), ...(docker ? { docker: docker as DockerRunner } : {}) },
    usageIntervalMs: 60_000, stopGraceMs, flushTimeoutMs: 1000,
    poller: { sqsFor: sqs.sqsFor, waitSeconds: 1 },
  });
  agents.push(agent);
  return { agent, done: agent.run() };
};

describe('Agent', () => {
  it('deletes a queue message only once its accepted event is in the outbox, then runs and reports the job in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    const sqs = fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox);
    const { started, runner } = fakeRunner(0);

    const { agent, done } = startAgent(dir, api, sqs, runner);

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'exited']));
    expect(sqs.deletes[0]).toContain('"id":"job_1-a0-r0/event/accepted"');
    expect(started).toHaveLength(1);
    expect(api.calls.find((call) => call.path === '/v1/agent/usage')?.body.records[0]).toMatchObject({ assignmentId: 'job_1-a0-r0', eventId: 'usage-000000' });
    expect(api.calls.find((call) => call.body?.type === 'exited')?.body).toMatchObject({ exitCode: 0 });
    agent.stop();
    expect(await done).toBe('stopped');
  });

  it('never starts an assignment whose accepted the API answers 409 (withdrawn)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi((call) => (call.body?.type === 'accepted' ? { status: 409, body: { error: { code: 'assignment_withdrawn', message: 'drop it' } } } : undefined));
    const sqs = fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox);
    const { started, runner } = fakeRunner(0);

    const { agent } = startAgent(dir, api, sqs, runner);

    await eventually(async () => expect(new AssignmentStore(statePaths(dir).assignments).get('job_1-a0-r0')?.outcome).toBe('withdrawn'));
    expect(started).toHaveLength(0);
    expect(api.events('job_1-a0-r0')).toEqual(['accepted']);
    agent.stop();
  });

  it('reports failed, with the last lines, a process job that died with the previous agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const gone = spawnSync('true').pid;
    const store = new AssignmentStore(statePaths(dir).assignments);
    store.put({ assignmentId: 'job_1-a0-r0', message: message('job_1-a0-r0'), runtime: 'process', phase: 'running', receivedAt: new Date().toISOString(), startedAt: new Date().toISOString(), pid: gone, usageSeq: 0, logSeq: 0 });
    const api = fakeApi();

    const { agent } = startAgent(dir, api, fakeSqs([], statePaths(dir).outbox), fakeRunner(0).runner);

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['failed']));
    expect(api.calls.find((call) => call.body?.type === 'failed')?.body.message).toMatch(/process jobs end with the agent/);
    agent.stop();
  });

  it("replaces the control characters of the job's last lines (colours, progress bars) in the event it reports", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    const { runner } = fakeRunner(3, 20, 'step 1\r\u001b[31mboom\u001b[0m\u009b2J\n\tat train.py\n');

    startAgent(dir, api, fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox), runner);

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'exited']));
    const reported: string = api.calls.find((call) => call.body?.type === 'exited')?.body.message;
    expect(reported).toContain('step 1\uFFFD\uFFFD[31mboom\uFFFD[0m\uFFFD2J\n\tat train.py');
    expect(reported).not.toMatch(/(?![\t\n])\p{Cc}/u);
  });

  it('resends what the previous agent left in the outbox before it could send it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    // The queue works, the API's routes do not: the accepted event stays in the outbox.
    const offline = fakeApi((call) => (call.path === '/v1/agent/queue-credentials' ? undefined : { status: 503, body: { message: 'Service Unavailable' } }));
    const sqs = fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox);
    const first = startAgent(dir, offline, sqs, fakeRunner(0).runner);
    await eventually(async () => expect(sqs.deletes).toHaveLength(1));
    first.agent.stop();
    await first.done;

    const api = fakeApi();
    const { started, runner } = fakeRunner(3);
    startAgent(dir, api, fakeSqs([], statePaths(dir).outbox), runner);

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'exited']));
    expect(started).toHaveLength(1);
    expect(api.calls.find((call) => call.body?.type === 'exited')?.body.message).toContain('hello from the job');
  });

  it('stops a job on a cancel message with SIGTERM and reports stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    const cancel: CancelMessage = { type: 'cancel', assignmentId: 'job_1-a0-r0', jobId: 'job_1', reason: 'cancelled by the renter' };
    const sqs = fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox, [cancel]);
    const stops: number[] = [];
    let end: (exit: { exitCode: number }) => void = () => undefined;
    const runner: JobRunner = {
      async start(context) {
        context.onStarted();
        const exited = new Promise<{ exitCode: number }>((resolve) => { end = resolve; });
        return { pid: 999_998, exited, stop: async (graceMs) => { stops.push(graceMs); end({ exitCode: 143 }); return exited; }, detach: () => undefined };
      },
    };

    startAgent(dir, api, sqs, runner);
    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started']));
    sqs.release.now = true;

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'stopped']));
    expect(stops).toEqual([500]);
    expect(api.calls.find((call) => call.body?.type === 'stopped')?.body).toMatchObject({ exitCode: 143, message: 'cancelled: cancelled by the renter' });
  });

  it('kills a cancelled job by the cancel\'s deadline: a deadline already past leaves no grace, a near one shortens it (issue 13)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    const past: CancelMessage = { type: 'cancel', assignmentId: 'job_1-a0-r0', jobId: 'job_1', reason: 'cancelled by the renter', deadline: new Date(Date.now() - 5_000).toISOString(), graceSeconds: 30 };
    const sqs = fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox, [past]);
    const stops: number[] = [];
    let end: (exit: { exitCode: number }) => void = () => undefined;
    const runner: JobRunner = {
      async start(context) {
        context.onStarted();
        const exited = new Promise<{ exitCode: number }>((resolve) => { end = resolve; });
        return { pid: 999_997, exited, stop: async (graceMs) => { stops.push(graceMs); end({ exitCode: 137 }); return exited; }, detach: () => undefined };
      },
    };

    startAgent(dir, api, sqs, runner, undefined, 10_000);
    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started']));
    sqs.release.now = true;

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'stopped']));
    expect(stops).toEqual([0]);
  });

  it('never waits longer than the platform\'s stop grace from the assignment before SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    const cancel: CancelMessage = { type: 'cancel', assignmentId: 'job_1-a0-r0', jobId: 'job_1', reason: 'cancelled by the renter' };
    const sqs = fakeSqs([{ ...message('job_1-a0-r0'), stopGraceSeconds: 2 }], statePaths(dir).outbox, [cancel]);
    const stops: number[] = [];
    let end: (exit: { exitCode: number }) => void = () => undefined;
    const runner: JobRunner = {
      async start(context) {
        context.onStarted();
        const exited = new Promise<{ exitCode: number }>((resolve) => { end = resolve; });
        return { pid: 999_996, exited, stop: async (graceMs) => { stops.push(graceMs); end({ exitCode: 143 }); return exited; }, detach: () => undefined };
      },
    };

    startAgent(dir, api, sqs, runner, undefined, 10_000);
    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started']));
    sqs.release.now = true;

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'stopped']));
    expect(stops).toEqual([2_000]);
  });

  it('leaves a Docker job running on SIGTERM, and the next agent re-attaches and reports its end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const image = { ...message('job_1-a0-r0'), image: 'pytorch/pytorch:2.4.0', command: ['python', 'train.py'] };
    const detached: string[] = [];
    const firstDocker = {
      async start(context: StartContext) {
        context.onStarted();
        return { containerName: 'gpuhive-job_1-a0-r0', exited: new Promise(() => undefined), stop: async () => ({ exitCode: 0 }), detach: () => detached.push('gpuhive-job_1-a0-r0') };
      },
      reattach: async () => undefined,
    };
    const first = startAgent(dir, fakeApi(), fakeSqs([image], statePaths(dir).outbox), undefined, firstDocker, 10_000);
    await eventually(async () => expect(new AssignmentStore(statePaths(dir).assignments).get('job_1-a0-r0')?.phase).toBe('running'));

    first.agent.stop();
    const startedStopping = Date.now();
    await first.done;

    // It did not wait the 10 s stop grace for a container it leaves running.
    expect(Date.now() - startedStopping).toBeLessThan(5000);
    expect(detached).toEqual(['gpuhive-job_1-a0-r0']);
    expect(new AssignmentStore(statePaths(dir).assignments).get('job_1-a0-r0')?.phase).toBe('running');

    const api = fakeApi();
    const secondDocker = {
      start: async () => { throw new Error('must not start twice'); },
      reattach: async () => ({ containerName: 'gpuhive-job_1-a0-r0', exited: Promise.resolve({ exitCode: 0 }), stop: async () => ({ exitCode: 0 }), detach: () => undefined }),
    };
    startAgent(dir, api, fakeSqs([], statePaths(dir).outbox), undefined, secondDocker);

    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['exited']));
  });

  it('drains: takes no new work, lets the running job finish, then signs off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    const sqs = fakeSqs([message('job_1-a0-r0')], statePaths(dir).outbox, [message('job_2-a0-r0')]);
    const { runner } = fakeRunner(0, 300);
    const { agent, done } = startAgent(dir, api, sqs, runner);
    await eventually(async () => expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started']));

    agent.drain();
    sqs.release.now = true;

    expect(await done).toBe('drained');
    expect(api.events('job_1-a0-r0')).toEqual(['accepted', 'started', 'exited']);
    expect(api.events('job_2-a0-r0')).toEqual([]);
    const signOff = api.calls.findIndex((call) => call.path === '/v1/agent/sign-off');
    expect(signOff).toBeGreaterThan(api.calls.findIndex((call) => call.body?.type === 'exited'));
    expect(api.calls.filter((call) => call.path === '/v1/agent/heartbeat').at(-1)?.body.draining).toBe(true);
  });

  it('signs off only once the heartbeat in flight is answered, and sends none after: it would bring the host back online', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const api = fakeApi();
    let answerHeartbeat: (() => void) | undefined;
    // The draining heartbeat hangs until the test answers it, as one does on a busy backend.
    const fetch = (async (url: string, init: RequestInit) => {
      if (new URL(url).pathname === '/v1/agent/heartbeat' && String(init.body).includes('"draining":true') && !answerHeartbeat) {
        await new Promise<void>((resolve) => (answerHeartbeat = resolve));
      }
      return api.fetch(url, init);
    }) as typeof globalThis.fetch;
    const logged: string[] = [];
    const logger = { ...silentLogger, info: (line: string) => void logged.push(line) };
    const agent = new Agent({
      state, paths: statePaths(dir), logger, api: new ApiClient({ baseUrl: state.apiUrl, agentToken: state.agentToken, fetch }),
      runners: {}, usageIntervalMs: 60_000, flushTimeoutMs: 1000, poller: { sqsFor: fakeSqs([], statePaths(dir).outbox).sqsFor, waitSeconds: 1 },
    });
    agents.push(agent);
    const done = agent.run();
    await eventually(async () => expect(api.calls.filter((call) => call.path === '/v1/agent/heartbeat')).toHaveLength(1));

    agent.drain();
    await eventually(async () => expect(answerHeartbeat).toBeDefined());
    // The drain loop has come to the sign-off, and sends it only once the heartbeat is answered.
    await eventually(async () => expect(logged).toContain('drained: signing off once the heartbeat in flight is answered'));
    expect(api.calls.filter((call) => call.path === '/v1/agent/sign-off')).toEqual([]);
    answerHeartbeat!();

    expect(await done).toBe('drained');
    const paths = api.calls.map((call) => call.path).filter((path) => path === '/v1/agent/heartbeat' || path === '/v1/agent/sign-off');
    expect(paths.at(-1)).toBe('/v1/agent/sign-off');
    expect(paths.filter((path) => path === '/v1/agent/sign-off')).toHaveLength(1);
  });
});
