import { documentClient, sqsClient } from '#platform/aws-clients.ts';
import { systemClock } from '#platform/clock.ts';
import { createLogger } from '#platform/logger.ts';
import { tables } from '#infra/topology.ts';
import { NotificationsEnv, notificationsConfig } from '../config.ts';
import type { NotificationsDeps } from '../use-cases/deps.ts';
import { DynamoDeliveryStore, DynamoWebhookStore } from './dynamo-stores.ts';
import { NodeWebhookSender } from './node-webhook-sender.ts';
import { SqsDeliveryQueue } from './sqs-delivery-queue.ts';

export const logger = createLogger('notifications');

/** The notifications context's wiring: built once per Lambda container, at module scope. */
export const makeNotificationsDeps = (): NotificationsDeps => {
  const config = notificationsConfig();
  const tableName = config[tables.notifications.envVar];
  const documents = documentClient();
  const policy = { allowLoopbackHttp: config[NotificationsEnv.allowLoopbackHttp] };
  return {
    webhooks: new DynamoWebhookStore(tableName, documents),
    deliveries: new DynamoDeliveryStore(tableName, documents),
    queue: new SqsDeliveryQueue(config[NotificationsEnv.deliveriesQueueUrl], sqsClient()),
    sender: new NodeWebhookSender(policy, config[NotificationsEnv.requestTimeoutSeconds] * 1000),
    clock: systemClock,
    policy,
    settings: {
      maxAttempts: config[NotificationsEnv.maxAttempts],
      retryBaseSeconds: config[NotificationsEnv.retryBaseSeconds],
      requestTimeoutSeconds: config[NotificationsEnv.requestTimeoutSeconds],
    },
  };
};
