import type { EventDefinition } from './define.ts';
import { event as accountCreated } from './accounts/account-created.ts';
import { event as hostCameOnline } from './registry/host-came-online.ts';
import { event as hostDeregistered } from './registry/host-deregistered.ts';
import { event as hostRegistered } from './registry/host-registered.ts';
import { event as hostUnreachable } from './registry/host-unreachable.ts';
import { event as hostUpdated } from './registry/host-updated.ts';
import { event as hostWentOffline } from './registry/host-went-offline.ts';

/** Every event gpuhive publishes, by name; consumers and patterns import from here. */
export const events = {
  accountCreated,
  hostRegistered,
  hostUpdated,
  hostUnreachable,
  hostCameOnline,
  hostWentOffline,
  hostDeregistered,
} as const satisfies Record<string, EventDefinition>;

const byDetailType = new Map<string, EventDefinition>(Object.values(events).map((d) => [`${d.SOURCE}|${d.DETAIL_TYPE}`, d]));

export const definitionOf = (source: string, detailType: string): EventDefinition | undefined =>
  byDetailType.get(`${source}|${detailType}`);
