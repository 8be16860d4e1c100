import { z } from 'zod';
import { randomUUID } from 'node:crypto';

/** The envelope fields every event's detail carries (ARCHITECTURE.md, Events). */
const envelope = { eventId: z.string().min(1), occurredAt: z.iso.datetime() };

/** `T`: the detail type as a literal (`'job.ended'`), so a consumer's handlers can be keyed and typed by it. */
export interface EventDefinition<P extends z.ZodRawShape = z.ZodRawShape, T extends string = string> {
  readonly SOURCE: `gpuhive.${string}`;
  readonly DETAIL_TYPE: T;
  readonly VERSION: number;
  /** The whole detail: envelope fields plus the payload. */
  readonly schema: z.ZodObject<P & typeof envelope & { version: z.ZodLiteral<number> }>;
}

export const defineEvent = <P extends z.ZodRawShape, const T extends string>(definition: {
  source: `gpuhive.${string}`;
  detailType: T;
  version: number;
  payload: P;
}): EventDefinition<P, T> => ({
  SOURCE: definition.source,
  DETAIL_TYPE: definition.detailType,
  VERSION: definition.version,
  schema: z.object({ ...definition.payload, ...envelope, version: z.literal(definition.version) }),
});

export type Detail<D extends EventDefinition> = z.infer<D['schema']>;
export type Payload<D extends EventDefinition> = Omit<Detail<D>, 'version' | 'eventId' | 'occurredAt'>;

/** An event ready for PutEvents: validated when it was made. */
export interface DomainEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: { readonly eventId: string; readonly occurredAt: string; readonly version: number } & Record<string, unknown>;
}

export const newEvent = <D extends EventDefinition>(definition: D, payload: Payload<D>, at: Date): DomainEvent => ({
  source: definition.SOURCE,
  detailType: definition.DETAIL_TYPE,
  detail: definition.schema.parse({
    ...payload,
    version: definition.VERSION,
    eventId: randomUUID(),
    occurredAt: at.toISOString(),
  }) as DomainEvent['detail'],
});

/** The EventBridge pattern that selects these events: built here, never retyped. */
export const patternFor = (...definitions: readonly EventDefinition[]) => ({
  source: [...new Set(definitions.map((d) => d.SOURCE))],
  'detail-type': [...new Set(definitions.map((d) => d.DETAIL_TYPE))],
});
