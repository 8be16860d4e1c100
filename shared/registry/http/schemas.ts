import { z } from 'zod';
import { HeartbeatRequest, PORT_RANGE_NEEDS_ADDRESS, portRangeNeedsAddress, registerRequestFields, VerificationStep } from '#contract/agent.ts';
import { ScheduleMaintenanceRequest, UpdateHostRequest } from '#contract/hosts.ts';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';

export { portRangeField, regionField } from '#contract/agent.ts';

const MAX_PRICE_MICRO_USD = 1_000_000_000; // $1,000 per GPU-hour: anything above is a typo

export const priceField = usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, {
  message: 'must be more than 0 and at most 1000.000000 USD per GPU-hour',
});

/** The lowest bid the host sells idle GPUs for (docs/interruptible.md): 0 sells none; at most its own price. */
export const minBidField = usdField.refine((price) => price >= 0 && price <= MAX_PRICE_MICRO_USD, {
  message: 'must be 0 (no interruptible work) or a price of at most 1000.000000 USD per GPU-hour',
});

/** Agents may be newer than the server: unknown fields are ignored, known ones checked. The prices are read into micro-USD. */
export const RegisterAgentInput = z
  .object({ ...registerRequestFields, pricePerGpuHour: priceField, minBidPerGpuHour: minBidField.optional() })
  .refine(portRangeNeedsAddress, PORT_RANGE_NEEDS_ADDRESS)
  .refine((facts) => facts.minBidPerGpuHour === undefined || facts.minBidPerGpuHour <= facts.pricePerGpuHour, {
    message: "must not be above the host's own pricePerGpuHour",
    path: ['minBidPerGpuHour'],
  });

export const HeartbeatInput = HeartbeatRequest;

export const VerificationStepInput = VerificationStep;

export const VerificationPath = z.object({ runId: z.string().min(1).max(64) });
/** An answer for 16 GPUs carries up to ~1 MB of tiles and proofs. */
export const VERIFICATION_MAX_BODY_BYTES = 2 * 1024 * 1024;

/** The wire contract's body, its prices read into micro-USD and bounded; at least one field. */
export const UpdateHostInput = UpdateHostRequest
  .extend({ pricePerGpuHour: priceField.optional(), minBidPerGpuHour: minBidField.nullable().optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one of pricePerGpuHour, listed, draining, publicAddress, portRange, minBidPerGpuHour');
type _UpdateHostReadsContract = Holds<ReadsContractBody<typeof UpdateHostInput, typeof UpdateHostRequest>>;

export const HostPath = z.object({ hostId: z.string().min(1).max(64) });

export const HostsQuery = z.object(pageQuery);

/** A maintenance window: the wire contract's body as it is. */
export const ScheduleMaintenanceInput = ScheduleMaintenanceRequest;

export const MaintenancePath = HostPath.extend({ windowId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'is not a window id') });

export const ReceiveAssignmentsQuery = z.object({ waitSeconds: z.coerce.number().int().min(0).max(20).default(0) });

export const AckAssignmentsInput = z.object({ receipts: z.array(z.string().min(1).max(8192)).min(1).max(100) });
