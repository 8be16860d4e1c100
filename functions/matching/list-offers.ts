import { z } from 'zod';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { offerView } from '#matching/http-mappers.ts';
import { listOffers } from '#matching/use-cases/offers.ts';
import { httpRoute, json } from '#platform/http.ts';
import { usdField } from '#platform/money.ts';
import { regionField } from '#registry/http-schemas.ts';

const deps = makeMatchingDeps();

const Query = z.object({
  gpuModel: z.string().trim().min(1).max(100).optional(),
  minVramMb: z.coerce.number().int().min(1).optional(),
  region: regionField.optional(),
  maxPricePerGpuHour: usdField.optional(),
  count: z.coerce.number().int().min(1).max(8).optional(),
  runtime: z.enum(['docker', 'process']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const handler = httpRoute(logger, { query: Query }, async ({ query }) => {
  const offers = await listOffers(query, deps);
  return json(200, { items: offers.map(offerView), nextCursor: null });
});
