import { documentClient, sqsClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { tables } from '#infra/topology.ts';
import { NotificationsEnv, deliveryConfig, notificationsConfig } from '../config.ts';
import type { NotificationsDeps, WebhookApiDeps } from '../use-cases/deps.ts';
import { DynamoDeliveryStore, DynamoWebhookStore } from './dynamo-stores.ts';
import { NodeWebhookSender } from './node-webhook-sender.ts';
import { SqsDeliveryQueue } from './sqs-delivery-queue.ts';

export const logger = createLogger('notifications');

/** The API routes' wiring (endpoints and the deliveries list): no queue, no outbound HTTP. */
export const makeWebhookApiDeps = (): WebhookApiDeps => {
  const config = notificationsConfig();
  const tableName = config[tables.notifications.envVar];
  const documents = documentClient();
  return {
    webhooks: new DynamoWebhookStore(tableName, documents),
    deliveries: new DynamoDeliveryStore(tableName, documents),
    clock: systemClock,
    policy: { allowLoopbackHttp: config[NotificationsEnv.allowLoopbackHttp] },
  };
};

/** The fan-out's and the delivery function's wiring: built once per Lambda container, at module scope. */
export const makeNotificationsDeps = (): NotificationsDeps => {
  const config = deliveryConfig();
  const api = makeWebhookApiDeps();
  return {
    ...api,
    queue: new SqsDeliveryQueue(config[NotificationsEnv.deliveriesQueueUrl], sqsClient()),
    sender: new NodeWebhookSender(api.policy, config[NotificationsEnv.requestTimeoutSeconds] * 1000),
    settings: {
      maxAttempts: config[NotificationsEnv.maxAttempts],
      retryBaseSeconds: config[NotificationsEnv.retryBaseSeconds],
      requestTimeoutSeconds: config[NotificationsEnv.requestTimeoutSeconds],
    },
  };
};
