import type { DomainEvent } from '#events/define.ts';
import type { Page } from '#platform/pagination.ts';
import type { Service } from './domain/service.ts';
import type { IdempotencyClaim } from './ports.ts';

export type CreateServiceResult = { readonly kind: 'created' } | { readonly kind: 'replayed'; readonly serviceId: string; readonly sameBody: boolean };

/** Services, in matching's own table beside the jobs that are their replicas. */
export interface ServiceStore {
  /** Writes a new service; with a claim, once per Idempotency-Key. */
  create(service: Service, claim?: IdempotencyClaim): Promise<CreateServiceResult>;
  get(serviceId: string): Promise<Service | undefined>;
  /** Writes `after` if nobody wrote the service since `before`, with its events (outbox); false on a lost race. */
  save(before: Service, after: Service, events: readonly DomainEvent[]): Promise<boolean>;
  /** Publishes events a successful save wrote to the outbox. */
  publish(events: readonly DomainEvent[]): Promise<void>;
  listByRenter(renterId: string, page: { limit: number; cursor?: string }): Promise<Page<Service>>;
  /** Services not yet stopped or failed: the sweep reconciles each. */
  listActive(): Promise<readonly Service[]>;
}
