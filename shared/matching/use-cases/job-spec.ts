import { randomBytes } from 'node:crypto';
import { ValidationError } from '#platform/errors.ts';
import type { JobSpec } from '../domain/job.ts';
import { expandTemplate } from '../domain/template.ts';
import type { SubmitJobBody } from '../http/schemas.ts';
import type { MatchingDeps } from './deps.ts';

/**
 * The price fields of a spec. Interruptible work's bid is also stored as its
 * maxPricePerGpuHour, so its holds and their renewals are taken at the bid.
 */
const pricing = (body: Pick<SubmitJobBody, 'tier' | 'bidPerGpuHour' | 'maxPricePerGpuHour' | 'restartPolicy'>): Pick<JobSpec, 'maxPricePerGpuHour' | 'restartPolicy' | 'tier' | 'bidPerGpuHour'> => {
  if (body.tier === 'interruptible') {
    if (body.bidPerGpuHour === undefined) throw new Error('the submit schema lets no interruptible job without a bid through');
    return { tier: 'interruptible', bidPerGpuHour: body.bidPerGpuHour, maxPricePerGpuHour: body.bidPerGpuHour, restartPolicy: body.restartPolicy ?? 'on-preemption' };
  }
  if (body.maxPricePerGpuHour === undefined) throw new Error('the submit schema lets no on-demand job without a max price through');
  return { maxPricePerGpuHour: body.maxPricePerGpuHour, restartPolicy: body.restartPolicy ?? 'on-host-loss' };
};

/** A Jupyter-style token: 192 random bits, URL-safe. */
const newToken = (): string => randomBytes(24).toString('base64url');

/**
 * The job a submit body asks for. Without a template the body is the spec (the schema made
 * sure gpu and maxDurationSeconds are there). With one: an unknown template is a 400 naming
 * `template`; otherwise the template is expanded with the body's env, GPU and duration, and
 * the job records the template's name and version and which env values were generated.
 */
export const jobSpecOf = (body: SubmitJobBody, deps: Pick<MatchingDeps, 'templates'>, generate: () => string = newToken): JobSpec => {
  const { template: templateName, gpu, maxDurationSeconds, tier, bidPerGpuHour, maxPricePerGpuHour, restartPolicy, ...fields } = body;
  const rest = { ...fields, ...pricing({ tier, bidPerGpuHour, maxPricePerGpuHour, restartPolicy }) };
  if (templateName === undefined) {
    if (!gpu || maxDurationSeconds === undefined) throw new Error('the submit schema lets no job without gpu or maxDurationSeconds through');
    return { ...rest, gpu, maxDurationSeconds };
  }
  const template = deps.templates?.get(templateName);
  if (!template) throw new ValidationError([{ field: 'template', message: `no template named ${templateName}: GET /v1/templates lists them` }]);
  const expansion = expandTemplate(template, { env: body.env, ...(gpu ? { gpu } : {}), ...(maxDurationSeconds !== undefined ? { maxDurationSeconds } : {}) }, generate);
  if (expansion.kind === 'invalid') throw new ValidationError(expansion.issues);
  const { job } = expansion;
  return {
    ...rest,
    image: job.image,
    ...(job.command ? { command: job.command } : {}),
    env: job.env,
    gpu: job.gpu,
    maxDurationSeconds: job.maxDurationSeconds,
    ...(job.ports.length > 0 ? { ports: job.ports } : {}),
    template: job.template,
    ...(job.generated.length > 0 ? { secretEnv: job.generated } : {}),
  };
};
