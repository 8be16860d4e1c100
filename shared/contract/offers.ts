import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdText } from './money.ts';

/**
 * The wire contract of what a renter looks at before submitting (API.md, "Offers",
 * "Templates"): offers, the GPU models and the job templates. Imports nothing but zod and
 * its siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */

export const OfferResponse = z.object({
  hostId: z.string(),
  gpuModel: z.string(),
  vramMb: z.int(),
  availableGpus: z.int(),
  pricePerGpuHour: usdText,
  region: z.string(),
  runtimes: z.array(z.enum(['docker', 'process'])),
  reliability: z.number().min(0).max(1),
  multiHost: z.boolean().meta({ description: 'The host registered a publicAddress, so multi-host jobs can use it.' }),
  nextMaintenance: z
    .object({ startsAt: z.iso.datetime(), endsAt: z.iso.datetime() })
    .nullable()
    .meta({ description: "The host's next maintenance window: a job is placed here only if its max duration ends before it starts." }),
  verified: z.boolean().meta({ description: "The host's latest verification passed and has not expired (docs/verification.md)." }),
  score: z.number().nullable().meta({ description: 'The measured score per GPU (the weakest GPU of the host); null when unverified.' }),
  usdPerScore: usdText.nullable().meta({ description: 'pricePerGpuHour / score: what a unit of measured performance costs per hour.' }),
  preemptibleGpus: z.int().meta({ description: 'GPUs of this model held by interruptible work: on-demand work gets them within the preemption grace.' }),
  minBidPerGpuHour: usdText.nullable().meta({ description: "The host's lowest bid for interruptible work; null when it takes none." }),
  lowestRunningBidPerGpuHour: usdText
    .nullable()
    .meta({ description: 'The going interruptible price of this model: the lowest bid running on it anywhere (a higher bid may preempt it after the minimum run); null when none runs.' }),
});

export const OfferPageResponse = z.object({ items: z.array(OfferResponse), nextCursor: z.null() });

export const GpuModelsResponse = z.object({
  items: z.array(
    z.object({
      model: z.string().meta({ description: 'Canonical model name, as `gpu.models` and `gpuModel` filters use it.' }),
      inCatalogue: z.boolean().meta({ description: 'One of the models the platform knows before any host offers it.' }),
      registered: z.boolean().meta({ description: 'Some host has registered GPUs of this model.' }),
      availableGpus: z.int().meta({ description: 'Free GPUs of this model on hosts that take work now.' }),
      hostsOnOffer: z.int(),
      lowestPricePerGpuHour: usdText.nullable(),
    }),
  ),
});

export const TemplatesResponse = z.object({
  items: z.array(
    z.object({
      name: z.string().meta({ description: 'What `template` on POST /v1/jobs takes.' }),
      version: z.int(),
      title: z.string(),
      description: z.string(),
      image: z.string().meta({ description: 'Pinned by digest.' }),
      command: z.array(z.string()).nullable(),
      ports: z.array(z.object({ name: z.string(), containerPort: z.int(), protocol: z.enum(['http', 'tcp']) })),
      env: z.array(
        z.object({
          name: z.string(),
          description: z.string(),
          required: z.boolean().meta({ description: 'The renter must give it in `env`.' }),
          generated: z.boolean().meta({ description: "Made for each job and shown to its owner only (the job's `secrets`)." }),
          default: z.string().nullable(),
        }),
      ),
      gpu: z.object({ count: z.int(), minVramMb: z.int() }),
      maxDurationSeconds: z.int(),
    }),
  ),
});

export type OfferResponse = Wire<z.output<typeof OfferResponse>>;
export type OfferPageResponse = Wire<z.output<typeof OfferPageResponse>>;
export type GpuModelsResponse = Wire<z.output<typeof GpuModelsResponse>>;
export type TemplatesResponse = Wire<z.output<typeof TemplatesResponse>>;
