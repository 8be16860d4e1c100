import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Section, Status, Table } from '../components.tsx';
import { time, usd } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { href } from '../router.ts';
import type { Job } from '../types.ts';

const STATUSES = ['', 'queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'preempted'];

/** The renter's jobs, newest first, refreshed every few seconds so statuses move by themselves. */
export const JobsPage = ({ api }: { api: Api }) => {
  const [status, setStatus] = useState('');
  const jobs = useLoad(() => api.all<Job>(`/v1/jobs${status ? `?status=${status}` : ''}`, 10), [status], 3000);
  return (
    <>
      <h1>Jobs</h1>
      <p><a href={href('submit')} class="button">Submit a job</a></p>
      <label>
        Status
        <select value={status} onChange={(event) => setStatus((event.currentTarget as HTMLSelectElement).value)}>
          {STATUSES.map((value) => <option value={value}>{value || 'any'}</option>)}
        </select>
      </label>
      <Section title="Your jobs" state={jobs}>
        {(items) => (
          <Table caption="Jobs" rows={items} empty="No jobs yet."
            columns={[
              { label: 'Job', value: (job) => <a href={href('jobs', job.jobId)}>{job.name ?? job.jobId}</a> },
              { label: 'Status', value: (job) => <Status value={job.status} /> },
              { label: 'Why', value: (job) => job.statusReason ?? '' },
              { label: 'GPUs', value: (job) => `${job.hosts > 1 ? `${job.hosts} x ` : ''}${job.gpu.count}${job.gpu.models ? ` ${job.gpu.models.join('/')}` : ''}` },
              { label: 'Cost', value: (job) => usd(job.cost), numeric: true },
              { label: 'Submitted', value: (job) => time(job.createdAt) },
            ]} />
        )}
      </Section>
    </>
  );
};
