import { newId } from '#platform/ids.ts';
import { ConflictError, ValidationError } from '#platform/errors.ts';
import type { Page } from '#platform/pagination.ts';
import { endpointUrlProblem } from '../domain/endpoint-url.ts';
import { newWebhookSecret } from '../domain/signature.ts';
import { MAX_WEBHOOKS_PER_ACCOUNT, WEBHOOK_EVENTS, type Delivery, type Webhook, type WebhookRole } from '../domain/webhooks.ts';
import { TooManyWebhooksError, WebhookNotFoundError } from '../errors.ts';
import type { IdempotencyClaim } from '../ports.ts';
import type { WebhookApiDeps } from './deps.ts';

export interface CreateWebhookInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string | undefined;
}

/**
 * Registers an endpoint for the owner: the URL must pass the endpoint policy (400 naming
 * `url`), each event must be one this kind of account hears (400 naming `events.<i>`), and
 * the owner may keep at most MAX_WEBHOOKS_PER_ACCOUNT (409). Returns the webhook with its
 * secret, which no listing shows. With an Idempotency-Key, the same key and body return the
 * endpoint made the first time (secret included, as that answer had it); another body, 409.
 * Emits no events.
 */
export const createWebhook = async (
  ownerId: string,
  role: WebhookRole,
  input: CreateWebhookInput,
  idempotency: IdempotencyClaim | undefined,
  deps: WebhookApiDeps,
): Promise<Webhook> => {
  const issues = [];
  const urlProblem = endpointUrlProblem(input.url, deps.policy);
  if (urlProblem) issues.push({ field: 'url', message: urlProblem });
  const allowed: readonly string[] = WEBHOOK_EVENTS[role];
  input.events.forEach((type, i) => {
    if (!allowed.includes(type)) issues.push({ field: `events.${i}`, message: `must be one of ${allowed.join(', ')} for a ${role} account` });
  });
  if (issues.length > 0) throw new ValidationError(issues);

  const now = deps.clock.now();
  const webhook: Webhook = {
    webhookId: newId('whk', now),
    ownerId,
    url: input.url,
    events: [...new Set(input.events)],
    ...(input.description ? { description: input.description } : {}),
    secret: newWebhookSecret(),
    createdAt: now.toISOString(),
  };
  const outcome = await deps.webhooks.create(webhook, MAX_WEBHOOKS_PER_ACCOUNT, idempotency);
  if (outcome.kind === 'too_many') throw new TooManyWebhooksError(MAX_WEBHOOKS_PER_ACCOUNT);
  if (outcome.kind === 'created') return webhook;
  if (!outcome.sameBody) throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with another body.');
  const first = await deps.webhooks.get(ownerId, outcome.webhookId);
  // The endpoint made under this key was deleted since: the key no longer names anything.
  if (!first) throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used for a webhook that has since been deleted.');
  return first;
};

export const listWebhooks = (ownerId: string, limit: number, cursor: string | undefined, deps: WebhookApiDeps): Promise<Page<Webhook>> =>
  deps.webhooks.list(ownerId, limit, cursor);

/** Stops deliveries to the endpoint: attempts already queued find it gone and end as `failed`. */
export const deleteWebhook = async (ownerId: string, webhookId: string, deps: WebhookApiDeps): Promise<void> => {
  if (!(await deps.webhooks.delete(ownerId, webhookId))) throw new WebhookNotFoundError(webhookId);
};

/** The endpoint's deliveries, newest first; another account's endpoint is 404. */
export const listDeliveries = async (ownerId: string, webhookId: string, limit: number, cursor: string | undefined, deps: WebhookApiDeps): Promise<Page<Delivery>> => {
  if (!(await deps.webhooks.get(ownerId, webhookId))) throw new WebhookNotFoundError(webhookId);
  return deps.deliveries.list(webhookId, limit, cursor);
};
