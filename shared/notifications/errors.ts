import { ConflictError, NotFoundError } from '#platform/errors.ts';

export class WebhookNotFoundError extends NotFoundError {
  constructor(webhookId: string) {
    super(`No webhook ${webhookId}.`);
  }
}

export class TooManyWebhooksError extends ConflictError {
  constructor(max: number) {
    super('too_many_webhooks', `An account may have at most ${max} webhooks; delete one first.`);
  }
}
