import { z } from 'zod';
import { RecordUsageRequest, UsageRecord } from '#contract/agent.ts';
import { pageQuery } from '#platform/pagination.ts';

export { MAX_RECORD_SECONDS, MAX_RECORDS } from '#contract/agent.ts';

export const UsageRecordInput = UsageRecord;

export const RecordUsageInput = RecordUsageRequest;

export const JobPath = z.object({ jobId: z.string().min(1).max(64) });
export const HostPath = z.object({ hostId: z.string().min(1).max(64) });
export const HostUsageQuery = z.object({ ...pageQuery });
