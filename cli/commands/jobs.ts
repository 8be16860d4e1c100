import type { JobResponse, SubmittedJobResponse } from '../../shared/contract/jobs.ts';
import type { ApiClient } from '../api.ts';
import { allPages, idempotencyKey } from '../api.ts';
import { enumFlag, intFlag, listFlag, noPositionals, onePositional, stringFlag, usdFlag, type Command, type Context } from '../command.ts';
import { CliFailure, ExitCode, UsageError } from '../errors.ts';
import { duration, table, time, usd } from '../format.ts';
import { buildJobSpec, readJobFile } from '../job-spec.ts';
import { line, printJson, redrawLine } from '../output.ts';

/** A job as GET /v1/jobs/{id} shows it: the wire contract's type (shared/contract/jobs.ts). */
export type Job = JobResponse;

/** Where a running job's declared port is reached (GET /v1/jobs/{id} `endpoints`). */
export type Endpoint = JobResponse['endpoints'][number];

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'expired', 'preempted'];
const STATUSES = ['queued', 'scheduled', 'running', ...FINAL_STATUSES] as const;

const gpusOf = (job: Job) => `${job.hosts > 1 ? `${job.hosts}x` : ''}${job.gpu.count}${job.gpu.models ? ` ${job.gpu.models.join('|')}` : ''}`;

export const jobsTable = (jobs: readonly Job[]): string =>
  table(
    ['JOB', 'NAME', 'STATUS', 'GPUS', 'COST', 'CREATED', 'REASON'],
    jobs.map((job) => [job.jobId, job.name ?? '-', job.status, gpusOf(job), usd(job.cost), time(job.createdAt), job.statusReason ?? '']),
  );

export const jobDetails = (job: Job): string => {
  const fields: [string, string][] = [
    ['Job', job.jobId],
    ['Name', job.name ?? '-'],
    ['Status', `${job.status}${job.statusReason ? ` (${job.statusReason})` : ''}`],
    ...(job.template ? [['Template', `${job.template.name} (version ${job.template.version})`] as [string, string]] : []),
    ['Image', job.image ?? '-'],
    ['Command', job.command ? job.command.join(' ') : '-'],
    ['GPUs', `${job.gpu.count} per host x ${job.hosts} host(s)${job.gpu.models ? `, models ${job.gpu.models.join(', ')}` : ''}${job.gpu.minVramMb ? `, >= ${job.gpu.minVramMb} MB` : ''}`],
    ['Regions', job.regions ? job.regions.join(', ') : 'any'],
    ['Max price', `${usd(job.maxPricePerGpuHour)}/GPU-hour`],
    ['Max duration', duration(job.maxDurationSeconds)],
    ['Hold', usd(job.hold)],
    ['Cost so far', usd(job.cost)],
    ['Created', time(job.createdAt)],
    ['Started', time(job.startedAt)],
    ['Ended', time(job.endedAt)],
  ];
  for (const [name, value] of Object.entries(job.secrets ?? {})) fields.push([name, value]);
  const endpoints = job.endpoints ?? [];
  const text = fields.map(([name, value]) => `${`${name}:`.padEnd(14)}${value}`).join('\n') + '\n' + (endpoints.length === 0 ? '' : `\n${table(
    ['RANK', 'PORT', 'NAME', 'PROTOCOL', 'ADDRESS', 'URL', 'READY'],
    endpoints.map((e) => [String(e.rank), String(e.containerPort), e.name ?? '-', e.protocol, e.address, e.url ?? '-', e.ready ? 'yes' : 'not yet']),
  )}`);
  if (job.assignments.length === 0) return text;
  return `${text}\n${table(
    ['RANK', 'ASSIGNMENT', 'HOST', 'GPUS', '$/GPU-HOUR', 'STATE', 'EXIT', 'STARTED', 'ENDED'],
    job.assignments.map((a) => [String(a.rank), a.assignmentId, a.hostId, `${a.gpus.count}x ${a.gpus.model}`, usd(a.pricePerGpuHour), a.state, a.exitCode === null ? '-' : String(a.exitCode), time(a.startedAt), time(a.endedAt)]),
  )}`;
};

const waitOptions = {
  interval: { type: 'string', value: 'SECONDS', description: 'poll every SECONDS (1-60, default 2)' },
  timeout: { type: 'string', value: 'SECONDS', description: 'give up after SECONDS (exit code 6); default: wait as long as it takes' },
} as const;

/** One status line: what a renter watches. */
const statusLine = (job: Job, now: Date): string => {
  const since = job.startedAt ?? job.createdAt;
  const elapsed = (now.getTime() - new Date(since).getTime()) / 1000;
  const hosts = job.assignments.filter((a) => !['withdrawn', 'lost'].includes(a.state)).map((a) => `${a.hostId} (${a.gpus.count}x ${a.gpus.model})`);
  return [job.jobId, job.status, job.statusReason ?? '', `${job.startedAt ? 'running' : 'waiting'} ${duration(elapsed)}`, `cost ${usd(job.cost)}`, hosts.join(' ')]
    .filter((part) => part !== '')
    .join('  ');
};

/**
 * Polls the job until it ends: on a terminal a live status line redrawn in place, otherwise
 * a plain line each time its status or reason changes. Exit code 0 if it succeeded, 1 if not,
 * 6 on `--timeout`.
 */
export const waitForJob = async (context: Context, api: ApiClient, jobId: string, intervalSeconds: number, timeoutSeconds: number | undefined): Promise<number> => {
  const { output } = context;
  const deadline = timeoutSeconds === undefined ? undefined : context.now().getTime() + timeoutSeconds * 1000;
  const live = output.interactive;
  const plain = (text: string) => (context.json ? output.err(`${text}\n`) : output.out(`${text}\n`));
  let last = '';
  for (;;) {
    const job = await api.get<Job>(`/v1/jobs/${encodeURIComponent(jobId)}`);
    const done = FINAL_STATUSES.includes(job.status);
    if (live) {
      redrawLine(output, statusLine(job, context.now()).slice(0, output.columns - 1));
      if (done) output.err('\n');
    } else {
      const summary = `${job.status}${job.statusReason ? `: ${job.statusReason}` : ''}`;
      if (summary !== last) plain(`${time(context.now().toISOString())}  ${job.jobId}  ${summary}`);
      last = summary;
    }
    if (done) {
      if (context.json) printJson(output, job);
      else plain(`${job.jobId} ${job.status}${job.statusReason ? ` (${job.statusReason})` : ''}; cost ${usd(job.cost)}`);
      return job.status === 'succeeded' ? ExitCode.ok : ExitCode.jobNotSucceeded;
    }
    if (deadline !== undefined && context.now().getTime() >= deadline) {
      if (live) output.err('\n');
      throw new CliFailure(`Gave up waiting after ${timeoutSeconds} s: ${job.jobId} is still ${job.status}.`, ExitCode.timeout);
    }
    await context.sleep(intervalSeconds * 1000);
  }
};

export const jobsSubmit: Command = {
  name: 'jobs submit',
  summary: 'Submit a job: from flags and a command after --, or from a YAML/JSON job file with -f.',
  args: '[-- COMMAND...]',
  takesCommand: true,
  options: {
    file: { type: 'string', short: 'f', value: 'FILE', description: 'a YAML or JSON file with the fields of POST /v1/jobs; flags override its fields' },
    gpus: { type: 'string', value: 'N', description: 'GPUs per host (1-8); required without -f' },
    'max-price': { type: 'string', value: 'USD', description: 'the most you pay per GPU-hour; required without -f (not with --tier interruptible)' },
    tier: { type: 'string', value: 'TIER', description: 'on-demand (default) or interruptible: idle GPUs at your bid, preempted when on-demand work needs them' },
    bid: { type: 'string', value: 'USD', description: 'interruptible work: what you pay per GPU-hour (at least the host minimum; higher bids are placed first)' },
    hosts: { type: 'string', value: 'N', description: 'hosts for a multi-host job (1-32, default 1)' },
    model: { type: 'string', multiple: true, value: 'MODEL', description: 'acceptable GPU model, e.g. "RTX 4090"' },
    'min-vram': { type: 'string', value: 'MB', description: 'at least this much VRAM per GPU' },
    region: { type: 'string', multiple: true, value: 'REGION', description: 'acceptable region, e.g. eu-west' },
    image: { type: 'string', value: 'IMAGE', description: 'container image (runs in Docker); without it the command runs as a process' },
    env: { type: 'string', multiple: true, value: 'K=V', description: 'environment variable (a bare K copies it from this shell)' },
    'max-duration': { type: 'string', value: 'SECONDS', description: 'stop the job after SECONDS (60-2592000, default 3600)' },
    name: { type: 'string', value: 'NAME', description: 'a name to find it by' },
    'restart-policy': { type: 'string', value: 'POLICY', description: 'on-host-loss (default), never, or on-preemption (interruptible work: the default)' },
    'idempotency-key': { type: 'string', value: 'KEY', description: 'submitting again with the same key and job returns the same job (default: a new key each run)' },
    wait: { type: 'boolean', description: 'then wait for the job to end, as `jobs wait` does (exit code by outcome)' },
    port: { type: 'string', multiple: true, value: '[NAME:]PORT[/http]', description: 'a port the job listens on, published on its host (tcp unless /http); with no command, an image runs its own entrypoint' },
    template: { type: 'string', value: 'NAME', description: 'start from a template (gpuhive templates): it gives the image, command, ports and GPU floor; fill its env with --env' },
  },
  details: [
    'Examples:',
    '  gpuhive jobs submit --gpus 1 --max-price 0.60 --model "RTX 4090" --image pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime -- python train.py',
    '  gpuhive jobs submit -f job.yaml --wait',
    '  gpuhive jobs submit --tier interruptible --bid 0.25 --gpus 1 -- python train.py --resume',
    '  gpuhive jobs submit --template vllm --env MODEL=Qwen/Qwen2.5-7B-Instruct --max-price 0.90',
    '',
    'job.yaml:',
    '  name: train',
    '  image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
    '  command: [python, train.py]',
    '  gpu: { count: 1, models: ["RTX 4090"] }',
    '  maxPricePerGpuHour: "0.600000"',
    '  maxDurationSeconds: 7200',
  ].join('\n'),
  async run(context, input) {
    if (input.positionals.length > 0) throw new UsageError(`Put the command after --, e.g. gpuhive jobs submit --gpus 1 --max-price 0.5 -- ${input.positionals.join(' ')}`, 'jobs submit');
    const file = stringFlag(input, 'file');
    const spec = buildJobSpec(
      file ? await readJobFile(file) : undefined,
      {
        gpus: intFlag(input, 'gpus', 1, 8),
        maxPrice: usdFlag(input, 'max-price'),
        hosts: intFlag(input, 'hosts', 1, 32),
        models: listFlag(input, 'model'),
        minVramMb: intFlag(input, 'min-vram', 1, 1_048_576),
        regions: listFlag(input, 'region'),
        image: stringFlag(input, 'image'),
        env: listFlag(input, 'env'),
        maxDurationSeconds: intFlag(input, 'max-duration', 60, 30 * 24 * 3600),
        name: stringFlag(input, 'name'),
        restartPolicy: enumFlag(input, 'restart-policy', ['on-host-loss', 'never', 'on-preemption'] as const),
        tier: enumFlag(input, 'tier', ['on-demand', 'interruptible'] as const),
        bid: usdFlag(input, 'bid'),
        command: input.rest,
        template: stringFlag(input, 'template'),
        ports: listFlag(input, 'port'),
      },
      context.env,
    );
    const api = await context.api();
    const submitted = await api.post<SubmittedJobResponse>('/v1/jobs', spec, idempotencyKey(stringFlag(input, 'idempotency-key')));
    if (input.values.wait) {
      if (!context.json) line(context.output, `Submitted ${submitted.jobId} (${submitted.status}).`);
      return waitForJob(context, api, submitted.jobId, 2, undefined);
    }
    if (context.json) printJson(context.output, submitted);
    else line(context.output, `Submitted ${submitted.jobId} (${submitted.status}). Follow it with: gpuhive jobs wait ${submitted.jobId}`);
    return 0;
  },
};

export const jobsList: Command = {
  name: 'jobs list',
  summary: 'Your jobs, newest first.',
  options: {
    status: { type: 'string', value: 'STATUS', description: `only jobs in this status (${STATUSES.join(', ')})` },
    limit: { type: 'string', value: 'N', description: 'at most N jobs (1-1000, default 20)' },
  },
  async run(context, input) {
    noPositionals(input);
    const status = enumFlag(input, 'status', STATUSES);
    const limit = intFlag(input, 'limit', 1, 1000) ?? 20;
    const api = await context.api();
    const jobs = await allPages<Job>(api, '/v1/jobs', { status }, limit);
    if (context.json) printJson(context.output, jobs);
    else if (jobs.length === 0) line(context.output, 'No jobs.');
    else context.output.out(jobsTable(jobs));
    return 0;
  },
};

export const jobsGet: Command = {
  name: 'jobs get',
  summary: 'One job: status, assignments, cost so far.',
  args: 'JOB',
  options: {},
  async run(context, input) {
    const jobId = onePositional(input, 'job id');
    const api = await context.api();
    const job = await api.get<Job>(`/v1/jobs/${encodeURIComponent(jobId)}`);
    if (context.json) printJson(context.output, job);
    else context.output.out(jobDetails(job));
    return 0;
  },
};

export const jobsCancel: Command = {
  name: 'jobs cancel',
  summary: 'Cancel a job: a queued one ends at once, a running one is stopped on its hosts.',
  args: 'JOB',
  options: {},
  details: 'Exit codes: 0 cancelled (or being stopped); 7 the job had already ended, so nothing was cancelled.',
  async run(context, input) {
    const jobId = onePositional(input, 'job id');
    const api = await context.api();
    const result = await api.post<SubmittedJobResponse>(`/v1/jobs/${encodeURIComponent(jobId)}/cancel`);
    // The API answers a cancel of an ended job with its final status: nothing was cancelled.
    const ended = result.status !== 'cancelled' && FINAL_STATUSES.includes(result.status);
    if (context.json) printJson(context.output, result);
    else if (ended) line(context.output, `${result.jobId} already ended (${result.status}): nothing to cancel.`);
    else line(context.output, `${result.jobId}: ${result.status === 'cancelled' ? 'cancelled' : `cancelling (${result.status})`}.`);
    return ended ? ExitCode.alreadyEnded : ExitCode.ok;
  },
};

export const jobsWait: Command = {
  name: 'jobs wait',
  summary: 'Wait for a job to end, showing its status; the exit code says how it ended.',
  args: 'JOB',
  options: waitOptions,
  details: 'Exit codes: 0 succeeded; 1 failed, cancelled or expired; 6 --timeout passed.',
  async run(context, input) {
    const jobId = onePositional(input, 'job id');
    const interval = intFlag(input, 'interval', 1, 60) ?? 2;
    const timeout = intFlag(input, 'timeout', 1, 30 * 24 * 3600);
    return waitForJob(context, await context.api(), jobId, interval, timeout);
  },
};
