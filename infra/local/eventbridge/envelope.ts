/**
 * Turns a PutEvents entry into the event envelope AWS delivers to targets, or into the
 * per-entry error AWS reports for it. Pure: ids and time are passed in.
 */

export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  /** Epoch seconds from the AWS SDK; an ISO string from hand-written clients. */
  readonly Time?: number | string;
  readonly EventBusName?: string;
}

export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface EnvelopeContext {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly now: Date;
}

export type EnvelopeOutcome =
  | { readonly ok: true; readonly envelope: EventEnvelope }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

// AWS bounds a whole PutEvents request at 256 KB, sized as documented for each entry.
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/** The documented PutEvents entry size: 14 bytes for Time, then the UTF-8 sizes of the fields. */
export const putEventsEntrySize = (entry: PutEventsEntry): number => {
  const bytes = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  const resources = (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0);
  const time = entry.Time === undefined ? 0 : 14;
  return time + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
};

/** AWS writes event times in whole seconds: `2017-12-22T18:43:48Z`. */
export const formatEventTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const invalidArgument = (field: string, reason: string): EnvelopeOutcome => ({
  ok: false,
  errorCode: 'InvalidArgument',
  errorMessage: `Parameter ${field} is not valid. Reason: ${reason}`,
});

export const buildEventEnvelope = (entry: PutEventsEntry, context: EnvelopeContext): EnvelopeOutcome => {
  const { Source: source, DetailType: detailType, Detail: detailText } = entry;
  if (source === undefined || source === '') return invalidArgument('Source', 'Source is a required argument.');
  if (detailType === undefined || detailType === '') {
    return invalidArgument('DetailType', 'DetailType is a required argument.');
  }
  if (detailText === undefined || detailText === '') return invalidArgument('Detail', 'Detail is a required argument.');
  // Only AWS services may publish `aws.` sources.
  if (source.startsWith('aws.')) {
    return { ok: false, errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' };
  }
  const detail = parseDetail(detailText);
  if (detail === undefined) return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  const time = entry.Time === undefined ? context.now : parseTime(entry.Time);
  if (time === undefined) return invalidArgument('Time', 'Time is not a valid timestamp.');

  return {
    ok: true,
    envelope: {
      version: '0',
      id: context.id,
      'detail-type': detailType,
      source,
      account: context.account,
      time: formatEventTime(time),
      region: context.region,
      resources: [...(entry.Resources ?? [])],
      detail,
    },
  };
};

/** Detail must be a JSON object. */
const parseDetail = (text: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // reported to the caller as MalformedDetail
  }
};

const parseTime = (time: number | string): Date | undefined => {
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? undefined : date;
};
