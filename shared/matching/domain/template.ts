import { z } from 'zod';
import type { PortSpec } from './ports.ts';

/**
 * A job template: image (pinned by digest), ports, env and a GPU floor, kept as one YAML file
 * per template under `templates/`. A renter submits `template` and fills its env; the rest
 * comes from here. `${NAME}` in the command is replaced with the job's env value.
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const PINNED_IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

const envEntry = z
  .strictObject({
    description: z.string().min(1).max(300),
    /** A default the renter may override. */
    value: z.string().max(4096).optional(),
    /** The renter must give it (`MODEL`). */
    required: z.literal(true).optional(),
    /** The platform makes a fresh random value for each job, shown to its owner only. */
    generate: z.literal('token').optional(),
  })
  .refine((entry) => [entry.value !== undefined, entry.required, entry.generate].filter(Boolean).length === 1, 'give exactly one of value, required: true or generate: token');

export const JobTemplateSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'lower-case letters, digits and dashes'),
  version: z.number().int().min(1),
  title: z.string().min(1).max(80),
  description: z.string().min(1).max(500),
  image: z.string().regex(PINNED_IMAGE, 'must be pinned by digest: registry/repository[:tag]@sha256:<64 hex>'),
  command: z.array(z.string().min(1).max(4096)).min(1).max(64).optional(),
  ports: z
    .array(z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), containerPort: z.number().int().min(1).max(65535), protocol: z.enum(['http', 'tcp']) }))
    .max(8)
    .default([]),
  env: z.record(z.string().regex(ENV_NAME), envEntry).default({}),
  gpu: z.strictObject({ count: z.number().int().min(1).max(8).default(1), minVramMb: z.number().int().min(1024).max(1_048_576) }),
  maxDurationSeconds: z.number().int().min(60).max(30 * 24 * 3600),
}).superRefine((template, ctx) => {
  for (const [at, arg] of (template.command ?? []).entries()) {
    for (const [, name] of arg.matchAll(/\$\{([^}]*)\}/g)) {
      if (!name || !(name in template.env)) ctx.addIssue({ code: 'custom', path: ['command', at], message: `\${${name}} names no env of the template` });
    }
  }
});

export type JobTemplate = z.output<typeof JobTemplateSchema>;

/** What a template submission asks for, beyond the template itself. */
export interface TemplateRequest {
  readonly env: Readonly<Record<string, string>>;
  readonly gpu?: { readonly count: number; readonly models?: readonly string[]; readonly minVramMb?: number };
  readonly maxDurationSeconds?: number;
}

export interface ExpandedTemplate {
  readonly image: string;
  readonly command?: string[];
  readonly ports: PortSpec[];
  readonly env: Record<string, string>;
  readonly gpu: { count: number; models?: readonly string[]; minVramMb: number };
  readonly maxDurationSeconds: number;
  /** Names of the env values the platform generated: secrets of the job's owner. */
  readonly generated: string[];
  readonly template: { readonly name: string; readonly version: number };
}

export type Expansion = { readonly kind: 'expanded'; readonly job: ExpandedTemplate } | { readonly kind: 'invalid'; readonly issues: { field: string; message: string }[] };

/**
 * Fills a template with the renter's request: template env defaults, then the renter's env
 * on top; generated values made by `generate` unless given; every required env filled (else
 * an issue naming `env.<NAME>`); `${NAME}` in the command replaced; the GPU floor is the
 * higher of the template's and the renter's.
 */
export const expandTemplate = (template: JobTemplate, request: TemplateRequest, generate: () => string): Expansion => {
  const env: Record<string, string> = {};
  const generated: string[] = [];
  const issues: { field: string; message: string }[] = [];
  for (const [name, entry] of Object.entries(template.env)) {
    const given = Object.hasOwn(request.env, name) ? request.env[name] : undefined;
    if (given !== undefined && given !== '') env[name] = given;
    else if (entry.value !== undefined) env[name] = entry.value;
    else if (entry.generate) {
      env[name] = generate();
      generated.push(name);
    } else issues.push({ field: `env.${name}`, message: `the ${template.name} template needs it: ${entry.description}` });
  }
  for (const [name, value] of Object.entries(request.env)) if (!(name in template.env)) env[name] = value;
  if (issues.length > 0) return { kind: 'invalid', issues };
  const command = template.command?.map((arg) => arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? ''));
  return {
    kind: 'expanded',
    job: {
      image: template.image,
      ...(command ? { command } : {}),
      ports: template.ports.map((port) => ({ ...port })),
      env,
      gpu: {
        count: request.gpu?.count ?? template.gpu.count,
        ...(request.gpu?.models ? { models: request.gpu.models } : {}),
        minVramMb: Math.max(template.gpu.minVramMb, request.gpu?.minVramMb ?? 0),
      },
      maxDurationSeconds: request.maxDurationSeconds ?? template.maxDurationSeconds,
      generated,
      template: { name: template.name, version: template.version },
    },
  };
};
