import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { newEvent, type DomainEvent, type EventDefinition, type Payload } from '#events/define.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { busName } from '#infra/topology.ts';
import { eventually, localDynamoDb, localSqs } from '#test/support/local-runtime.ts';

/**
 * Plays another context's producer: puts events straight on the local bus, as its outbox
 * publisher would, so billing's rule, queue and consumer run exactly as they do for real.
 */
export const localBus = (runtime: LocalRuntime) => {
  const client = new EventBridgeClient({
    endpoint: runtime.endpoints.eventBridge,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const put = async (events: readonly DomainEvent[]): Promise<void> => {
    for (let start = 0; start < events.length; start += 10) {
      const result = await client.send(
        new PutEventsCommand({
          Entries: events.slice(start, start + 10).map((event) => ({
            EventBusName: busName(runtime.stage),
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      if (result.FailedEntryCount) throw new Error(`the bus refused ${result.FailedEntryCount} event(s)`);
    }
  };
  return {
    put,
    publish: async <D extends EventDefinition>(definition: D, payload: Payload<D>): Promise<DomainEvent> => {
      const event = newEvent(definition, payload, new Date());
      await put([event]);
      return event;
    },
  };
};

/** Resolves once the queue holds nothing, visible or in flight. */
const queueEmpty = (runtime: LocalRuntime, queue: string) => {
  const sqs = localSqs(runtime);
  const QueueUrl = runtime.queueUrls[queue] ?? '';
  // A limit to catch a queue that never drains: a test's own limit (30 s unless it says more) comes first.
  return eventually(async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(0);
  }, 120_000);
};

/**
 * Resolves once billing's consumer queue holds nothing, visible or in flight: every event
 * put on the bus so far was consumed (the shim delivers before PutEvents answers, and the
 * poller deletes a batch only after its handler finished). Usage goes on from `billing-usage`
 * to the `billing-charges` FIFO queue (deleted from the first only once sent to the second),
 * so it is charged once both are empty, in that order.
 */
export const billingQueueDrained = async (runtime: LocalRuntime, queue: 'billing-jobs' | 'billing-usage' = 'billing-jobs') => {
  await queueEmpty(runtime, queue);
  if (queue === 'billing-usage') await queueEmpty(runtime, 'billing-charges');
};

/** Reads billing's table as it is, to see what no API shows (a hold marker). */
export const billingItem = async (runtime: LocalRuntime, key: { pk: string; sk: string }) => {
  const documents = DynamoDBDocumentClient.from(
    localDynamoDb(runtime),
  );
  const { Item } = await documents.send(new GetCommand({ TableName: runtime.tableNames.billing, Key: key, ConsistentRead: true }));
  documents.destroy();
  return Item;
};
