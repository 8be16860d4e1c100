import { z } from 'zod';
import { itemDecoder, stored, withoutKeys } from '#platform/item-codec.ts';
import type { Host, HostStatus } from '../domain/host.ts';
import type { RegistrationToken } from '../ports.ts';

/**
 * Codecs of the registry table's items (their keys are in dynamo-host-store.ts). A heartbeat
 * reads a host and its pulse, so the host codec checks the attributes every reader relies on
 * and keeps the rest of the item whole, as the store wrote it from a Host. The transforms on
 * hot paths build their output field by field: spreading a rest object of a parsed item costs
 * tens of times the parse.
 */

export const toRegistrationToken = itemDecoder('registration token', z.object({
  tokenHash: z.string(),
  providerId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().optional(),
  hostId: z.string().optional(),
}).transform(({ usedAt, hostId, ...token }): RegistrationToken => ({ ...token, ...(usedAt ? { usedAt } : {}), ...(hostId ? { hostId } : {}) })));

const HOST_STATUSES = ['online', 'unreachable', 'offline'] as const satisfies readonly HostStatus[];

type HostWithoutPulse = Omit<Host, 'lastHeartbeatAt' | 'uptime' | 'gpuUtilization' | 'excusedDowntime'>;

/** The host item without its pulse; the index keys and retired attributes are dropped. */
export const toHostWithoutPulse = itemDecoder('host', z.looseObject({
  hostId: z.string(),
  providerId: z.string(),
  status: z.enum(HOST_STATUSES),
  agentTokenHash: z.string(),
  revision: z.number().int(),
}).transform((host) => withoutKeys(host, ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'livenessBucket', 'deregisteringFlag']) as HostWithoutPulse));

export type Pulse = Pick<Host, 'lastHeartbeatAt' | 'uptime' | 'gpuUtilization' | 'excusedDowntime'>;

/** A host's pulse: what every heartbeat writes. */
export const toPulse = itemDecoder('host pulse', z.object({
  lastHeartbeatAt: z.string(),
  uptime: stored<Record<string, number>>(),
  gpuUtilization: z.array(z.number()).optional(),
  excusedDowntime: stored<Record<string, number>>().optional(),
}).transform((beat): Pulse => {
  const pulse: { -readonly [K in keyof Pulse]: Pulse[K] } = { lastHeartbeatAt: beat.lastHeartbeatAt, uptime: beat.uptime };
  if (beat.gpuUtilization) pulse.gpuUtilization = beat.gpuUtilization;
  if (beat.excusedDowntime) pulse.excusedDowntime = beat.excusedDowntime;
  return pulse;
}));

/** Items read only for the host they name (a pulse, a host in a batch, an index entry). */
export const toHostIdOf = itemDecoder('host reference', z.object({ hostId: z.string() }).transform(({ hostId }) => hostId));
/** What the liveness sweep reads of a watched pulse. */
export const toWatchedPulse = itemDecoder('watched pulse', z.object({ hostId: z.string(), lastHeartbeatAt: z.string().optional(), deregistering: z.number().optional() }));
