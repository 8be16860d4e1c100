import type { LogPageResponse } from '../../shared/contract/logs.ts';
import type { ApiClient } from '../api.ts';
import { intFlag, onePositional, stringFlag, type Command, type Context } from '../command.ts';
import { escapeControls, inertJson, note } from '../output.ts';

/** A page as `GET /v1/jobs/{jobId}/logs` returns it: the wire contract's type (shared/contract/logs.ts). */
export type LogPage = LogPageResponse;

/** One chunk of a page. */
export type LogItem = LogPage['items'][number];

export interface LogReadOptions {
  readonly follow: boolean;
  readonly since?: string;
  readonly limit?: number;
  readonly pollMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onItem: (item: LogItem) => void;
}

/**
 * Reads a job's logs in order: every page there is now, or with `follow` until the job has
 * ended and every chunk has been returned (`complete`), calling again with `since=nextSince`
 * and pausing only when a page came back empty. Returns where it stopped and whether the
 * job's logs were cut at their size cap.
 */
export const readLogs = async (api: ApiClient, jobId: string, options: LogReadOptions): Promise<{ since: string | undefined; truncated: boolean; complete: boolean }> => {
  let since = options.since;
  let truncated = false;
  for (;;) {
    const page = await api.get<LogPage>(`/v1/jobs/${encodeURIComponent(jobId)}/logs`, { since, limit: options.limit });
    for (const item of page.items) options.onItem(item);
    truncated ||= page.truncated;
    if (page.nextSince) since = page.nextSince;
    if (page.complete) return { since, truncated, complete: true };
    if (page.items.length > 0) continue;
    if (!options.follow) return { since, truncated, complete: false };
    await options.sleep(options.pollMs);
  }
};

/** Plain output: stdout chunks to stdout, stderr chunks to stderr, as the job wrote them; `--ranks` prefixes each line with its rank. */
export const logWriter = (context: Context, prefixRanks: boolean) => {
  const pending = new Map<string, boolean>(); // per rank and stream: whether the next data starts a line
  return (item: LogItem) => {
    if (context.json) {
      context.output.out(`${inertJson(item)}\n`);
      return;
    }
    const write = item.stream === 'stderr' ? context.output.err : context.output.out;
    // A job's output is shown, never obeyed: tabs and newlines stay, other controls show as \xHH.
    const data = escapeControls(item.data);
    if (!prefixRanks) {
      write(data);
      return;
    }
    const key = `${item.rank}:${item.stream}`;
    const prefix = `[${item.rank}] `;
    let text = pending.get(key) === false ? data : `${prefix}${data}`;
    const endsLine = text.endsWith('\n');
    text = (endsLine ? text.slice(0, -1) : text).replaceAll('\n', `\n${prefix}`) + (endsLine ? '\n' : '');
    pending.set(key, endsLine);
    write(text);
  };
};

export const logs: Command = {
  name: 'logs',
  summary: "A job's output (stdout and stderr of every host), in order; -f follows it until the job ends.",
  args: 'JOB',
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep reading until the job has ended and all its output is shown' },
    since: { type: 'string', value: 'CURSOR', description: 'start after this cursor (printed with --json as nextSince)' },
    ranks: { type: 'boolean', description: 'prefix each line with the rank of the host that wrote it (multi-host jobs)' },
    interval: { type: 'string', value: 'SECONDS', description: 'with -f: wait SECONDS between empty reads (1-60, default 1)' },
  },
  details: 'With --json: one JSON object per chunk ({ assignmentId, rank, seq, stream, at, data }), one per line.',
  async run(context, input) {
    const jobId = onePositional(input, 'job id');
    const interval = intFlag(input, 'interval', 1, 60) ?? 1;
    const api = await context.api();
    const result = await readLogs(api, jobId, {
      follow: Boolean(input.values.follow),
      ...(stringFlag(input, 'since') ? { since: stringFlag(input, 'since') } : {}),
      pollMs: interval * 1000,
      sleep: context.sleep,
      onItem: logWriter(context, Boolean(input.values.ranks)),
    });
    if (result.truncated) note(context.output, 'gpuhive: this job wrote more than its log size cap; later output was dropped.');
    return 0;
  },
};
