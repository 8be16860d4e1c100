import { useState } from 'preact/hooks';
import type { Api } from '../api.ts';
import { Chart, Copyable, ErrorBox, Section, Status, Table } from '../components.tsx';
import { percent, time, usd } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { href } from '../router.ts';
import type { Host, HostUsagePage, RegistrationToken } from '../types.ts';

/** The one line a provider runs on a new machine: the installer from this origin, with the token. */
export const installCommand = (origin: string, token: string): string =>
  `curl -fsSL ${origin}/install.sh | sh -s -- --token ${token} --price 0.45 --region eu-west`;

const TokenMaker = ({ api }: { api: Api }) => {
  const [token, setToken] = useState<RegistrationToken>();
  const [error, setError] = useState<Error>();
  const make = async () => {
    setError(undefined);
    try {
      setToken(await api.post<RegistrationToken>('/v1/hosts/registration-tokens'));
    } catch (makeError) {
      setError(makeError as Error);
    }
  };
  return (
    <section aria-label="Add a host">
      <h2>Add a host</h2>
      <p>Make a one-use registration token, then run the install command on the GPU machine (set your own price and region).</p>
      <button type="button" onClick={make}>Make a registration token</button>
      <ErrorBox error={error} />
      {token && (
        <>
          <Copyable label={`Registration token (expires ${time(token.expiresAt)})`} value={token.token} />
          <Copyable label="Install command" value={installCommand(location.origin, token.token)} />
        </>
      )}
    </section>
  );
};

/** A provider's hosts with their state, plus GPU-hours per host from metering. */
export const HostsPage = ({ api }: { api: Api }) => {
  const hosts = useLoad(() => api.all<Host>('/v1/hosts'), [], 5000);
  const usage = useLoad(
    async () =>
      Promise.all(
        (await api.all<Host>('/v1/hosts')).map(async (host) => {
          const page = await api.get<HostUsagePage>(`/v1/hosts/${encodeURIComponent(host.hostId)}/usage?limit=100`);
          return { host: host.hostname, gpuHours: page.items.reduce((sum, item) => sum + item.gpuSeconds, 0) / 3600 };
        }),
      ),
    [],
  );
  return (
    <>
      <h1>Hosts</h1>
      <TokenMaker api={api} />
      <Section title="Your hosts" state={hosts}>
        {(items) => (
          <Table caption="Hosts" rows={items} empty="No hosts yet: make a token and install the agent."
            columns={[
              { label: 'Host', value: (host) => <a href={href('hosts', host.hostId)}>{host.hostname}</a> },
              { label: 'Status', value: (host) => <Status value={host.status} /> },
              { label: 'Why', value: (host) => host.statusReason ?? '' },
              { label: 'Listed', value: (host) => (host.draining ? 'draining' : host.listed ? 'yes' : 'no') },
              { label: 'GPUs', value: (host) => host.gpus.map((gpu) => gpu.model).join(', ') },
              { label: '$/GPU-hour', value: (host) => usd(host.pricePerGpuHour), numeric: true },
              { label: 'Reliability', value: (host) => percent(host.reliability), numeric: true },
              { label: 'Last heartbeat', value: (host) => time(host.lastHeartbeatAt) },
            ]} />
        )}
      </Section>
      {usage.data && (
        <Chart title="GPU-hours per host (recent assignments)" kind="bars" labels={usage.data.map((row) => row.host)} values={usage.data.map((row) => row.gpuHours)} unit="GPU-hours" />
      )}
    </>
  );
};

/** One host: its facts and the assignments it ran, with their GPU-seconds. */
export const HostDetailPage = ({ api, hostId }: { api: Api; hostId: string }) => {
  const host = useLoad(() => api.get<Host>(`/v1/hosts/${encodeURIComponent(hostId)}`), [hostId], 5000);
  const usage = useLoad(() => api.get<HostUsagePage>(`/v1/hosts/${encodeURIComponent(hostId)}/usage?limit=100`), [hostId], 15_000);
  return (
    <>
      <h1>Host {host.data?.hostname ?? hostId}</h1>
      <Section title="Facts" state={host}>
        {(data) => (
          <dl class="facts">
            <dt>Status</dt><dd><Status value={data.status} />{data.statusReason ? ` — ${data.statusReason}` : ''}</dd>
            <dt>Region</dt><dd>{data.region}</dd>
            <dt>Runtimes</dt><dd>{data.runtimes.join(', ')}</dd>
            <dt>GPUs</dt><dd>{data.gpus.map((gpu) => `${gpu.index}: ${gpu.name} (${Math.round(gpu.vramMb / 1024)} GB)`).join('; ')}</dd>
            <dt>Price</dt><dd>{usd(data.pricePerGpuHour)} per GPU-hour</dd>
            <dt>Registered</dt><dd>{time(data.registeredAt)}</dd>
          </dl>
        )}
      </Section>
      <Section title="Usage" state={usage}>
        {(page) => (
          <Table caption="Assignments on this host" rows={page.items} empty="No work yet."
            columns={[
              { label: 'Job', value: (item) => item.jobId },
              { label: 'GPUs', value: (item) => `${item.gpuCount} x ${item.gpuModel}` },
              { label: 'Lease', value: (item) => `${time(item.leaseStart)} – ${time(item.leaseEnd)}` },
              { label: 'GPU-hours', value: (item) => (item.gpuSeconds / 3600).toFixed(3), numeric: true },
              { label: 'Price', value: (item) => usd(item.pricePerGpuHour), numeric: true },
            ]} />
        )}
      </Section>
    </>
  );
};
