import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { gpuModelView } from '#matching/http/mappers.ts';
import { listGpuModels } from '#matching/use-cases/gpu-models.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeMatchingDeps();

/** `GET /v1/gpu-models`: the models a job may ask for, with what is on offer now. */
export const handler = httpRoute(logger, {}, async () => json(200, { items: (await listGpuModels(deps)).map(gpuModelView) }));
