import { ValidationError } from '#platform/errors.ts';
import type { MicroUsd } from '#platform/money.ts';
import { acceptsWork, freeGpuIndices } from '../domain/capacity.ts';
import { GPU_CATALOGUE, isKnownModel, nearestModels } from '../domain/gpu-catalogue.ts';
import type { MatchingDeps } from './deps.ts';

export interface GpuModel {
  readonly model: string;
  readonly inCatalogue: boolean;
  /** Some host has registered GPUs of this model (online or not). */
  readonly registered: boolean;
  /** Free GPUs of the model on hosts that take work now. */
  readonly availableGpus: number;
  readonly hostsOnOffer: number;
  readonly lowestPricePerGpuHour: MicroUsd | null;
}

/** The catalogue and every model a host registered, with what is on offer now, by name. */
export const listGpuModels = async (deps: MatchingDeps): Promise<GpuModel[]> => {
  const hosts = [...(await deps.candidates.all()).values()];
  const models = new Map<string, GpuModel>(GPU_CATALOGUE.map((model) => [model, { model, inCatalogue: true, registered: false, availableGpus: 0, hostsOnOffer: 0, lowestPricePerGpuHour: null }]));
  for (const host of hosts) {
    const free = acceptsWork(host) ? new Set(freeGpuIndices(host)) : new Set<number>();
    const freeByModel = new Map<string, number>();
    for (const gpu of host.gpus) freeByModel.set(gpu.model, (freeByModel.get(gpu.model) ?? 0) + (free.has(gpu.index) ? 1 : 0));
    for (const [model, count] of freeByModel) {
      const known = models.get(model) ?? { model, inCatalogue: false, registered: true, availableGpus: 0, hostsOnOffer: 0, lowestPricePerGpuHour: null };
      const lowest = known.lowestPricePerGpuHour;
      models.set(model, {
        ...known,
        registered: true,
        availableGpus: known.availableGpus + count,
        hostsOnOffer: known.hostsOnOffer + (count > 0 ? 1 : 0),
        lowestPricePerGpuHour: count > 0 && (lowest === null || host.pricePerGpuHour < lowest) ? host.pricePerGpuHour : lowest,
      });
    }
  }
  return [...models.values()].sort((a, b) => a.model.localeCompare(b.model));
};

/**
 * A job may ask only for models the platform knows: the catalogue's or one a host has
 * registered. Otherwise a 400 naming the field, with the nearest known names.
 */
export const requireKnownModels = async (models: readonly string[] | undefined, deps: MatchingDeps): Promise<void> => {
  if (!models || models.length === 0) return;
  const knownIn = (hosts: Iterable<{ gpus: readonly { model: string }[] }>) => {
    const known = new Set(GPU_CATALOGUE);
    for (const host of hosts) for (const gpu of host.gpus) known.add(gpu.model);
    return known;
  };
  let known = knownIn((await deps.candidates.all()).values());
  // A host may have registered the model since the cached view: read the store before refusing.
  if (models.some((model) => !isKnownModel(model, known))) known = knownIn(await deps.capacity.all());
  const issues = models.flatMap((model, index) =>
    isKnownModel(model, known)
      ? []
      : [{ field: `gpu.models.${index}`, message: `no GPU model "${model}" is known here; did you mean ${nearestModels(model, known).map((name) => `"${name}"`).join(', ')}? GET /v1/gpu-models lists them` }],
  );
  if (issues.length > 0) throw new ValidationError(issues, 'The job asks for a GPU model the platform does not know.');
};
