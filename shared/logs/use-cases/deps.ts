import type { Clock } from '#platform/clock.ts';
import type { LogSettings } from '../domain/log-chunks.ts';
import type { JobProjection, LogIndex, SegmentObjects } from '../ports.ts';

export interface LogsDeps {
  readonly index: LogIndex;
  readonly objects: SegmentObjects;
  readonly projection: JobProjection;
  readonly clock: Clock;
  readonly settings: LogSettings;
}
