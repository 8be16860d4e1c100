import { z } from 'zod';
import { CreateServiceRequest, UpdateServiceRequest } from '#contract/services.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';
import { jobBidField, jobPriceField, tierIssues } from './schemas.ts';

/**
 * POST /v1/services: the wire contract's body (unknown fields refused, as for jobs) with its
 * money read into micro-USD, and the rules across fields.
 */
export const CreateServiceInput = CreateServiceRequest
  .extend({ maxPricePerGpuHour: jobPriceField.optional(), bidPerGpuHour: jobBidField.optional() })
  .superRefine((service, ctx) => {
    for (const issue of tierIssues(service)) ctx.addIssue({ code: 'custom', ...issue });
    if (service.template !== undefined) {
      for (const field of ['image', 'command', 'ports'] as const) {
        if (service[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'the template gives it: leave it out, or create without a template' });
      }
      return;
    }
    if (service.image === undefined && service.command === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'give an image, a command, or both (or a template)' });
    if (service.gpu === undefined) ctx.addIssue({ code: 'custom', path: ['gpu'], message: 'required (unless a template gives it)' });
    if (!(service.ports ?? []).some((port) => port.protocol === 'http')) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'a service needs at least one http port' });
  });
export type CreateServiceBody = z.output<typeof CreateServiceInput>;
type _CreateServiceReadsContract = Holds<ReadsContractBody<typeof CreateServiceInput, typeof CreateServiceRequest>>;

/** PATCH /v1/services/{serviceId}: the wire contract's body as it is. */
export const UpdateServiceInput = UpdateServiceRequest;
export type UpdateServiceBody = z.output<typeof UpdateServiceInput>;

export const ServicePath = z.object({ serviceId: z.string().min(1).max(64) });
export const ListServicesQuery = z.object({ ...pageQuery });
