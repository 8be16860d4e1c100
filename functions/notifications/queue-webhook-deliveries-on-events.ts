import { events } from '#events/index.ts';
import { logger, makeNotificationsDeps } from '#notifications/adapters/deps.ts';
import { webhookEventOf } from '#notifications/domain/webhooks.ts';
import { fanOut } from '#notifications/use-cases/fan-out.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeNotificationsDeps();

/** `job.ended`, `job.preempted`, `balance.low`, `host.maintenance_scheduled`, `service.endpoints_changed` and the host transitions -> one queued delivery per subscribed endpoint of their owner. */
export const handler = eventConsumer(
  logger,
  [events.jobEnded, events.jobPreempted, events.balanceLow, events.hostMaintenanceScheduled, events.hostUnreachable, events.hostWentOffline, events.hostCameOnline, events.payoutPaid, events.serviceEndpointsChanged],
  async ({ definition, detail }) => {
    const event = webhookEventOf(definition.DETAIL_TYPE, detail);
    const queued = await fanOut(event, deps);
    if (queued > 0) logger.info('webhook deliveries queued', { ownerId: event.ownerId, queued });
  },
);
