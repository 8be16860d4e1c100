import { z } from 'zod';
import { parseEnv, platformConfigSchema } from '#platform/config.ts';
import { tables } from '#infra/topology.ts';
import { DEFAULT_DELIVERY_SETTINGS } from './domain/retries.ts';

/** The queue the fan-out feeds and the delivery function reads (infra/topology.ts). */
export const DELIVERIES_QUEUE = 'notifications-deliveries';

/** Env names of the notifications context; the CDK stack and the local runtime import them. */
export const NotificationsEnv = {
  /** `queueUrlEnvVar(DELIVERIES_QUEUE)`, spelled out so its type is the literal (a test holds them equal). */
  deliveriesQueueUrl: 'NOTIFICATIONS_DELIVERIES_QUEUE_URL',
  /** Local mode only: also accept and deliver to `http://127.0.0.1:<port>` (and `localhost`, `[::1]`). */
  allowLoopbackHttp: 'WEBHOOKS_ALLOW_LOOPBACK_HTTP',
  maxAttempts: 'WEBHOOKS_MAX_ATTEMPTS',
  retryBaseSeconds: 'WEBHOOKS_RETRY_BASE_SECONDS',
  requestTimeoutSeconds: 'WEBHOOKS_REQUEST_TIMEOUT_SECONDS',
} as const;

const apiSchema = platformConfigSchema.extend({
  [tables.notifications.envVar]: z.string().min(1),
  [NotificationsEnv.allowLoopbackHttp]: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
});

/** What every notifications function needs: its table and the endpoint policy. */
export const notificationsConfig = () => parseEnv(apiSchema);

/** What the functions that queue and make deliveries need besides (they `sendsTo` the deliveries queue). */
export const deliveryConfig = () =>
  parseEnv(
    apiSchema.extend({
      [NotificationsEnv.deliveriesQueueUrl]: z.string().min(1),
      [NotificationsEnv.maxAttempts]: z.coerce.number().int().min(1).max(20).default(DEFAULT_DELIVERY_SETTINGS.maxAttempts),
      [NotificationsEnv.retryBaseSeconds]: z.coerce.number().int().min(1).max(900).default(DEFAULT_DELIVERY_SETTINGS.retryBaseSeconds),
      [NotificationsEnv.requestTimeoutSeconds]: z.coerce.number().min(1).max(20).default(DEFAULT_DELIVERY_SETTINGS.requestTimeoutSeconds),
    }),
  );
