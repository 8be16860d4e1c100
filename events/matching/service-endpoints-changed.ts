import { z } from 'zod';
import { defineEvent } from '../define.ts';

/** The set of a service's ready endpoints changed (docs/services.md): `version` is the ETag of GET /v1/services/{id}/endpoints. */
export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'service.endpoints_changed',
  version: 1,
  payload: {
    serviceId: z.string(),
    renterId: z.string(),
    endpointsVersion: z.number().int().min(0),
    endpoints: z.array(z.object({ replica: z.number().int(), jobId: z.string(), hostId: z.string(), address: z.string(), url: z.string() })),
  },
});
