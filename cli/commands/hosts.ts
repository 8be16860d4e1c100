import type { HostResponse } from '../../shared/contract/hosts.ts';
import { allPages } from '../api.ts';
import { intFlag, noPositionals, onePositional, type Command } from '../command.ts';
import { percent, table, time, usd } from '../format.ts';
import { line, printJson } from '../output.ts';

/** A host as GET /v1/hosts/{id} shows it: the wire contract's type (shared/contract/hosts.ts). */
type Host = HostResponse;

const gpuSummary = (host: Host): string => {
  const counts = new Map<string, number>();
  for (const gpu of host.gpus) counts.set(gpu.model, (counts.get(gpu.model) ?? 0) + 1);
  return [...counts].map(([model, count]) => `${count}x ${model}`).join(', ');
};

/** Whether renters see the host now: a listed host that is offline or draining is not offered. */
const offeredText = (host: Host): string => {
  const offered = host.acceptsWork ?? (host.listed && host.status === 'online' && !host.draining);
  if (offered) return 'yes';
  return host.listed ? 'no' : 'no (unlisted)';
};

export const hostsTable = (hosts: readonly Host[]): string =>
  table(
    ['HOST', 'NAME', 'STATUS', 'GPUS', '$/GPU-HOUR', 'REGION', 'OFFERED', 'RELIABILITY', 'LAST HEARTBEAT'],
    hosts.map((host) => [
      host.hostId,
      host.hostname,
      `${host.status}${host.draining ? ' (draining)' : ''}`,
      gpuSummary(host),
      usd(host.pricePerGpuHour),
      host.region,
      offeredText(host),
      percent(host.reliability),
      time(host.lastHeartbeatAt),
    ]),
  );

export const hosts: Command = {
  name: 'hosts',
  summary: 'Providers: your hosts, their status, GPUs, price and reliability.',
  options: { limit: { type: 'string', value: 'N', description: 'at most N hosts (1-10000, default 1000)' } },
  async run(context, input) {
    noPositionals(input);
    const api = await context.api();
    const items = await allPages<Host>(api, '/v1/hosts', {}, intFlag(input, 'limit', 1, 10_000) ?? 1000);
    if (context.json) printJson(context.output, items);
    else if (items.length === 0) line(context.output, 'No hosts yet: make a registration token and install the agent (see the agent README).');
    else context.output.out(hostsTable(items));
    return 0;
  },
};

export const hostsGet: Command = {
  name: 'hosts get',
  summary: 'Providers: one host, with its status reason.',
  args: 'HOST',
  options: {},
  async run(context, input) {
    const hostId = onePositional(input, 'host id');
    const api = await context.api();
    const host = await api.get<Host>(`/v1/hosts/${encodeURIComponent(hostId)}`);
    if (context.json) printJson(context.output, host);
    else context.output.out(`${hostsTable([host])}${host.statusReason ? `\n${host.statusReason}\n` : ''}`);
    return 0;
  },
};
