import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { ErrorBox, Section, Status, Table } from '../components.tsx';
import { duration, time, usd, visible } from '../format.ts';
import { useLoad } from '../hooks.ts';
import type { Job, LogPage, Timeline } from '../types.ts';

const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'expired', 'preempted']);

/** Follows the job's logs: reads on from `nextSince` until the API says the job is complete. */
const useLogs = (api: Api, jobId: string, follow: boolean) => {
  const [lines, setLines] = useState<LogPage['items']>([]);
  const [state, setState] = useState<{ complete: boolean; truncated: boolean; error?: Error }>({ complete: false, truncated: false });
  useEffect(() => {
    let stopped = false;
    let since: string | undefined;
    setLines([]);
    const read = async () => {
      while (!stopped) {
        try {
          const page = await api.get<LogPage>(`/v1/jobs/${encodeURIComponent(jobId)}/logs${since ? `?since=${encodeURIComponent(since)}` : ''}`);
          since = page.nextSince;
          if (page.items.length > 0) setLines((previous) => [...previous, ...page.items]);
          setState({ complete: page.complete, truncated: page.truncated });
          if (page.complete || !follow) return;
          if (page.items.length === 0) await new Promise((resolve) => setTimeout(resolve, 1500));
        } catch (error) {
          setState((previous) => ({ ...previous, error: error as Error }));
          await new Promise((resolve) => setTimeout(resolve, 3000));
        }
      }
    };
    void read();
    return () => void (stopped = true);
  }, [jobId, follow]);
  return { lines, ...state };
};

export const JobDetailPage = ({ api, jobId }: { api: Api; jobId: string }) => {
  const job = useLoad(() => api.get<Job>(`/v1/jobs/${encodeURIComponent(jobId)}`), [jobId], 2000);
  const ended = job.data ? ENDED.has(job.data.status) : false;
  const timeline = useLoad(() => api.get<Timeline>(`/v1/jobs/${encodeURIComponent(jobId)}/events`), [jobId, job.data?.status], ended ? undefined : 3000);
  const [follow, setFollow] = useState(true);
  const logs = useLogs(api, jobId, follow);
  const [cancelError, setCancelError] = useState<Error>();
  const logBox = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && logBox.current) logBox.current.scrollTop = logBox.current.scrollHeight;
  }, [logs.lines.length, follow]);

  const cancel = async () => {
    if (!confirm('Cancel this job? Usage up to the stop is charged.')) return;
    try {
      await api.post(`/v1/jobs/${encodeURIComponent(jobId)}/cancel`);
      job.reload();
    } catch (error) {
      setCancelError(error as Error);
    }
  };

  return (
    <>
      <h1>Job {jobId}</h1>
      <Section title="Status" state={job}>
        {(data) => (
          <>
            <dl class="facts">
              <dt>Status</dt><dd><Status value={data.status} />{data.statusReason ? ` — ${visible(data.statusReason)}` : ''}</dd>
              <dt>Name</dt><dd>{data.name ?? '—'}</dd>
              <dt>Image</dt><dd>{data.image ?? 'process job (no image)'}</dd>
              <dt>Command</dt><dd class="mono">{data.command?.join(' ') ?? '—'}</dd>
              <dt>Cost so far</dt><dd>{usd(data.cost)}</dd>
              {!ended && <><dt>Held</dt><dd>{usd(data.hold)}</dd></>}
              <dt>Max price</dt><dd>{usd(data.maxPricePerGpuHour)} per GPU-hour</dd>
              <dt>Max duration</dt><dd>{duration(data.maxDurationSeconds)}</dd>
              <dt>Submitted</dt><dd>{time(data.createdAt)}</dd>
              <dt>Started</dt><dd>{time(data.startedAt)}</dd>
              <dt>Ended</dt><dd>{time(data.endedAt)}</dd>
            </dl>
            {!ended && <button type="button" class="danger" onClick={cancel}>Cancel job</button>}
            <ErrorBox error={cancelError} />
            <h3>Assignments</h3>
            <Table caption="Assignments" rows={data.assignments} empty="Not placed yet."
              columns={[
                { label: 'Rank', value: (a) => a.rank, numeric: true },
                { label: 'Host', value: (a) => a.hostId },
                { label: 'GPUs', value: (a) => `${a.gpus.count} x ${a.gpus.model}` },
                { label: 'Price', value: (a) => usd(a.pricePerGpuHour), numeric: true },
                { label: 'State', value: (a) => <Status value={a.state} /> },
                { label: 'Exit code', value: (a) => a.exitCode ?? '—', numeric: true },
                { label: 'Started', value: (a) => time(a.startedAt) },
                { label: 'Ended', value: (a) => time(a.endedAt) },
              ]} />
          </>
        )}
      </Section>
      <Section title="Timeline" state={timeline}>
        {(data) => (
          <ol class="timeline">
            {data.items.map((event) => (
              <li><time>{time(event.at)}</time> <strong>{event.type}</strong> {visible(event.message)}</li>
            ))}
          </ol>
        )}
      </Section>
      <section aria-label="Logs">
        <h2>Logs</h2>
        <label class="inline">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow((event.currentTarget as HTMLInputElement).checked)} /> Follow
        </label>
        <ErrorBox error={logs.error} />
        {/* Log text is rendered as text: whatever a job prints never becomes markup. */}
        <pre class="logs" ref={logBox} tabIndex={0} aria-label="Job output">
          {logs.lines.map((line) => <span class={line.stream === 'stderr' ? 'stderr' : undefined}>{visible(line.data)}</span>)}
        </pre>
        <p class="muted">{logs.complete ? 'The job ended: these are all its logs.' : 'Following…'}{logs.truncated ? ' Logs were truncated at the size cap.' : ''}</p>
      </section>
    </>
  );
};
