import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { offerView } from '#matching/http/mappers.ts';
import { OffersQuery } from '#matching/http/schemas.ts';
import { listOffers } from '#matching/use-cases/offers.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { query: OffersQuery }, async ({ query }) => {
  const offers = await listOffers(query, deps);
  return json(200, { items: offers.map(offerView), nextCursor: null });
});
