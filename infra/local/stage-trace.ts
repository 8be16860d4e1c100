/**
 * Opt-in stage timestamps for the local runtime's queue hops, for benchmarks that ask where
 * a job's time goes (bench/submit-latency.bench.ts --stages). Off unless something subscribes:
 * then each record a local poller takes reports when SQS got it, when the poller received it
 * and when its handler returned, keyed by the job its event names.
 * Nothing here runs on AWS.
 */
export interface QueueHop {
  /** The topology's queue name, e.g. `billing-jobs`. */
  readonly queue: string;
  /** The `detail.jobId` of the event the record carries. */
  readonly jobId: string;
  readonly detailType: string;
  /** Epoch ms: SQS's SentTimestamp, when it received the record. */
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly handledAt: number;
}

let subscriber: ((hop: QueueHop) => void) | undefined;

/** Subscribes to every hop until the returned function is called. One subscriber at a time. */
export const traceQueueHops = (onHop: (hop: QueueHop) => void): (() => void) => {
  subscriber = onHop;
  return () => {
    if (subscriber === onHop) subscriber = undefined;
  };
};

export const tracingQueueHops = (): boolean => subscriber !== undefined;

/** What a poller reports for one record (a body that is not an event naming a job reports nothing). */
export const reportQueueHop = (queue: string, body: string, sentAt: number, receivedAt: number, handledAt: number): void => {
  if (!subscriber) return;
  try {
    const envelope = JSON.parse(body) as { 'detail-type'?: unknown; detail?: { jobId?: unknown } };
    if (typeof envelope.detail?.jobId !== 'string') return;
    subscriber({ queue, jobId: envelope.detail.jobId, detailType: String(envelope['detail-type']), sentAt, receivedAt, handledAt });
  } catch {
    // Not JSON: not an event, nothing to report.
  }
};
