import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { apiClient, eventually, localDynamoDb, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';

/** Small enough that a test can fill it. */
const CAP_BYTES = 4096;

let runtime: LocalRuntime;
let api: ApiClient;
let gpuSerial = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { LOGS_MAX_JOB_BYTES: String(CAP_BYTES), LOGS_COMPLETE_GRACE_SECONDS: '1', ACCEPT_TIMEOUT_SECONDS: '30', RESEND_AFTER_SECONDS: '30' },
    scheduleSeconds: { 'matching-sweep': 1 },
    ...(process.env.DEBUG_RUNTIME ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

/** A renter's job accepted and started on a fresh host, as the agent would report it. */
const runningJob = async () => {
  const { renterKey } = await fundedRenter(api, runtime);
  gpuSerial += 1;
  // A model of its own, so the job lands on this host and not on one an earlier test freed.
  const model = `RTX A6000 L${gpuSerial}`;
  const host = await offeredHost(api, runtime, renterKey, { gpus: [{ name: `NVIDIA ${model}`, vramMb: 49140, uuid: `GPU-logs-${gpuSerial}`, index: 0 }] });
  const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: [model] } }) });
  const { jobId } = submitted.body;
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === jobId);
  expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted')).status).toBe(200);
  expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'started')).status).toBe(200);
  return { renterKey, host, jobId: jobId as string, assignmentId: assignment.assignmentId as string };
};

const chunk = (seq: number, data: string, stream = 'stdout') => ({ seq, stream, at: new Date().toISOString(), data });

/** Posts as the agent's outbox does: the projection may lag a moment behind the assignment (409, sent again). */
const postLogs = (agentToken: string, assignmentId: string, chunks: unknown[]) =>
  eventually(async () => {
    const response = await api.call('POST', `/v1/agent/assignments/${assignmentId}/logs`, { key: agentToken, body: { chunks } });
    expect(response.status).toBe(202);
    return response.body as { accepted: number; duplicates: number; dropped: number };
  });

const readAll = async (renterKey: string, jobId: string, limit = 500) => {
  const items: any[] = [];
  let since: string | undefined;
  let page: any;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(since ? { since } : {}) });
    const response = await api.call('GET', `/v1/jobs/${jobId}/logs?${query}`, { key: renterKey });
    expect(response.status).toBe(200);
    page = response.body;
    items.push(...page.items);
    if (page.nextSince === since) break;
    since = page.nextSince;
  } while (page.items.length > 0);
  return { items, last: page };
};

// Every test has its own renter, host and GPU model, so they run at once: most of their time is waiting on placement.
describe.concurrent('job logs', { timeout: 120_000 }, () => {
  it('gives the renter the chunks an agent posted, in seq order, across pages', async () => {
    const job = await runningJob();

    expect(await postLogs(job.host.agentToken, job.assignmentId, [chunk(1, 'epoch 1\n'), chunk(0, 'starting\n'), chunk(2, 'warning\n', 'stderr')])).toEqual({
      accepted: 3, duplicates: 0, dropped: 0,
    });
    expect(await postLogs(job.host.agentToken, job.assignmentId, [chunk(3, 'epoch 2\n'), chunk(4, 'done\n')])).toEqual({ accepted: 2, duplicates: 0, dropped: 0 });
    const { items, last } = await readAll(job.renterKey, job.jobId, 2);

    expect(items.map((item) => [item.seq, item.stream, item.data])).toEqual([
      [0, 'stdout', 'starting\n'],
      [1, 'stdout', 'epoch 1\n'],
      [2, 'stderr', 'warning\n'],
      [3, 'stdout', 'epoch 2\n'],
      [4, 'stdout', 'done\n'],
    ]);
    expect(items.every((item) => item.assignmentId === job.assignmentId && item.rank === 0)).toBe(true);
    expect(last).toMatchObject({ truncated: false, complete: false });
  });

  it('follows: a reader at nextSince sees only what arrived since, and complete once the job ended', async () => {
    const job = await runningJob();
    await postLogs(job.host.agentToken, job.assignmentId, [chunk(0, 'first\n')]);
    const first = await api.call('GET', `/v1/jobs/${job.jobId}/logs`, { key: job.renterKey });
    expect(first.body.items.map((item: any) => item.data)).toEqual(['first\n']);

    await postLogs(job.host.agentToken, job.assignmentId, [chunk(1, 'second\n')]);
    expect((await reportEvent(api, job.host.agentToken, job.assignmentId, 'exited', { exitCode: 0 })).status).toBe(200);
    await waitForStatus(api, job.renterKey, job.jobId, 'succeeded');
    const followed = await eventually(async () => {
      const next = await api.call('GET', `/v1/jobs/${job.jobId}/logs?since=${first.body.nextSince}`, { key: job.renterKey });
      expect(next.body.complete).toBe(true);
      return next.body;
    });

    expect(followed.items.map((item: any) => item.data)).toEqual(['second\n']);
  });

  it('ignores a resent chunk: counted as a duplicate, stored once', async () => {
    const job = await runningJob();
    await postLogs(job.host.agentToken, job.assignmentId, [chunk(0, 'a\n'), chunk(1, 'b\n')]);

    const resent = await postLogs(job.host.agentToken, job.assignmentId, [chunk(1, 'b\n'), chunk(2, 'c\n'), chunk(2, 'c\n')]);
    const { items } = await readAll(job.renterKey, job.jobId);

    expect(resent).toEqual({ accepted: 1, duplicates: 2, dropped: 0 });
    expect(items.map((item) => item.data)).toEqual(['a\n', 'b\n', 'c\n']);
  });

  it('drops chunks past the job\'s cap and marks its logs truncated', async () => {
    const job = await runningJob();
    const kilobyte = 'x'.repeat(1023) + '\n';

    const receipt = await postLogs(job.host.agentToken, job.assignmentId, [0, 1, 2, 3, 4, 5].map((seq) => chunk(seq, kilobyte)));
    const later = await postLogs(job.host.agentToken, job.assignmentId, [chunk(6, 'tiny\n')]);
    const { items, last } = await readAll(job.renterKey, job.jobId);

    expect({ receipt, later }).toEqual({ receipt: { accepted: 4, duplicates: 0, dropped: 2 }, later: { accepted: 0, duplicates: 0, dropped: 1 } });
    expect(items.map((item) => item.seq)).toEqual([0, 1, 2, 3]);
    expect(last.truncated).toBe(true);
  });

  it('shows a job\'s logs to no other renter (404), and takes no chunks from another host (404)', async () => {
    const job = await runningJob();
    await postLogs(job.host.agentToken, job.assignmentId, [chunk(0, 'secret\n')]);
    const other = await fundedRenter(api, runtime);
    const otherHost = await offeredHost(api, runtime, other.renterKey, { gpus: [{ name: 'NVIDIA RTX A6000 Other', vramMb: 49140, uuid: `GPU-logs-other-${gpuSerial}`, index: 0 }] });

    const read = await api.call('GET', `/v1/jobs/${job.jobId}/logs`, { key: other.renterKey });
    const write = await api.call('POST', `/v1/agent/assignments/${job.assignmentId}/logs`, { key: otherHost.agentToken, body: { chunks: [chunk(1, 'forged\n')] } });

    expect([read.status, read.body.error.code, write.status]).toEqual([404, 'not_found', 404]);
  });

  it('takes a log whose job head is missing (job.submitted not projected yet): the write makes the head, and the renter reads it', async () => {
    const job = await runningJob();
    const documents = DynamoDBDocumentClient.from(localDynamoDb(runtime));
    const TableName = runtime.tableNames.logs ?? '';
    const head = { pk: `JOB#${job.jobId}`, sk: 'HEAD' };
    // job.scheduled writes only the assignment item; wait for it and for job.submitted's head, then take the head away.
    await eventually(async () => {
      expect((await documents.send(new GetCommand({ TableName, Key: { pk: `ASSIGNMENT#${job.assignmentId}`, sk: 'ASSIGNMENT' }, ConsistentRead: true }))).Item).toBeDefined();
      expect((await documents.send(new GetCommand({ TableName, Key: head, ConsistentRead: true }))).Item).toBeDefined();
    });
    await documents.send(new DeleteCommand({ TableName, Key: head }));

    const posted = await api.call('POST', `/v1/agent/assignments/${job.assignmentId}/logs`, { key: job.host.agentToken, body: { chunks: [chunk(0, 'first\n')] } });
    const { items } = await readAll(job.renterKey, job.jobId);
    const made = (await documents.send(new GetCommand({ TableName, Key: head, ConsistentRead: true }))).Item;
    documents.destroy();

    expect(posted).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0, dropped: 0 } });
    expect(items.map((item) => item.data)).toEqual(['first\n']);
    expect(made).toMatchObject({ jobId: job.jobId, segments: 1 });
  });

  it('answers 404 for an assignment that never existed, and 400 naming a bad chunk field', async () => {
    const job = await runningJob();

    const unknown = await api.call('POST', '/v1/agent/assignments/asg_nothing/logs', { key: job.host.agentToken, body: { chunks: [chunk(0, 'x')] } });
    const bad = await api.call('POST', `/v1/agent/assignments/${job.assignmentId}/logs`, {
      key: job.host.agentToken,
      body: { chunks: [{ seq: -1, stream: 'stdin', at: 'yesterday', data: 'x' }] },
    });

    expect(unknown.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['chunks.0.at', 'chunks.0.seq', 'chunks.0.stream']);
  });
});
