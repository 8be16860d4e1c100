import { z } from 'zod';
import { itemDecoder, withoutKeys } from '#platform/item-codec.ts';
import type { Service, ServiceSpec, ServiceStatus } from '../domain/service.ts';

/**
 * Codecs of the matching table's service items (their keys are in dynamo-service-store.ts). The
 * reconciler reads a service on every replica event, so the codec checks the attributes every
 * reader relies on and keeps the rest whole, as the store wrote it from a Service.
 */

const SERVICE_STATUSES = ['active', 'stopping', 'stopped', 'failed'] as const satisfies readonly ServiceStatus[];

/** The env is stored as [name, value] pairs (`constructor` is a legal name). */
const storedSpec = z.looseObject({ envPairs: z.array(z.tuple([z.string(), z.string()])).optional() })
  .transform((stored) => {
    const env = Object.fromEntries(stored.envPairs ?? []);
    return Object.assign(withoutKeys(stored, ['envPairs']), { env }) as unknown as ServiceSpec;
  });

export const toService = itemDecoder('service', z.looseObject({
  serviceId: z.string(),
  renterId: z.string(),
  status: z.enum(SERVICE_STATUSES),
  spec: storedSpec,
  revision: z.number().int(),
}).transform((service) => withoutKeys(service, ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'workBucket', 'workDueAt']) as unknown as Service));

/** What a service's Idempotency-Key says it made. */
export const toServiceClaim = itemDecoder('service idempotency key', z.object({ serviceId: z.string(), bodyHash: z.string().optional() }));
