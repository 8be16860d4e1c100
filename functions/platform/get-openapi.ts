import { apiDescription } from '#infra/api-description.ts';
import { topology } from '#infra/topology.ts';
import { httpRoute, json } from '#platform/http.ts';
import { createLogger } from '#platform/logger.ts';
import { openApiDocument } from '#platform/openapi.ts';

const logger = createLogger('api-description');

/** Built once per cold start from the topology and the zod schemas the handlers validate with. */
const document = openApiDocument(topology.routes, apiDescription, {
  title: 'gpuhive public API',
  version: '1',
  description:
    'The GPU compute marketplace API: renters, providers, agents, finance. Money is USD as decimal strings with six decimals. ' +
    'Every error, 401 included, is `{ error: { code, message, details? } }`; a method a path does not take is a 405 whose `Allow` header names the ones it does.',
});

/** Public: the OpenAPI 3.1 description of the whole API. */
export const handler = httpRoute(logger, {}, async () => json(200, document));
