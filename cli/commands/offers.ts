import type { OfferResponse } from '../../shared/contract/offers.ts';
import { enumFlag, intFlag, noPositionals, stringFlag, usdFlag, type Command } from '../command.ts';
import { percent, table, usd } from '../format.ts';
import { line, printJson } from '../output.ts';

export type Offer = OfferResponse;

export const offersTable = (offers: readonly Offer[]): string =>
  table(
    ['HOST', 'GPU', 'VRAM', 'FREE', '$/GPU-HOUR', 'REGION', 'RELIABILITY', 'RUNTIMES', 'MULTI-HOST'],
    offers.map((offer) => [
      offer.hostId,
      offer.gpuModel,
      `${Math.round(offer.vramMb / 1024)} GB`,
      String(offer.availableGpus),
      usd(offer.pricePerGpuHour),
      offer.region,
      percent(offer.reliability),
      offer.runtimes.join(','),
      offer.multiHost ? 'yes' : 'no',
    ]),
  );

export const offers: Command = {
  name: 'offers',
  summary: 'GPUs a job could get now, cheapest first.',
  options: {
    model: { type: 'string', value: 'MODEL', description: 'GPU model, e.g. "RTX 4090" or h100 (whole words, any case)' },
    'min-vram': { type: 'string', value: 'MB', description: 'at least this much VRAM per GPU' },
    region: { type: 'string', value: 'REGION', description: 'region, e.g. eu-west' },
    'max-price': { type: 'string', value: 'USD', description: 'at most this price per GPU-hour' },
    gpus: { type: 'string', value: 'N', description: 'at least N free GPUs on one host (1-8)' },
    runtime: { type: 'string', value: 'RUNTIME', description: 'docker or process' },
    limit: { type: 'string', value: 'N', description: 'at most N offers (1-100, default 50)' },
  },
  async run(context, input) {
    noPositionals(input);
    const query = {
      gpuModel: stringFlag(input, 'model'),
      minVramMb: intFlag(input, 'min-vram', 1, 1_048_576),
      region: stringFlag(input, 'region'),
      maxPricePerGpuHour: usdFlag(input, 'max-price'),
      count: intFlag(input, 'gpus', 1, 8),
      runtime: enumFlag(input, 'runtime', ['docker', 'process'] as const),
      limit: intFlag(input, 'limit', 1, 100),
    };
    const api = await context.api();
    const { items } = await api.get<{ items: Offer[] }>('/v1/offers', query);
    if (context.json) printJson(context.output, items);
    else if (items.length === 0) line(context.output, 'No offers match.');
    else context.output.out(offersTable(items));
    return 0;
  },
};
