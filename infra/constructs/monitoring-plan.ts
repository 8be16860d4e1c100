import type { Topology } from '#infra/topology.ts';

/*
 * The parts of the monitoring that are plain data, kept free of CDK imports: the cost model
 * reads them without loading the CDK.
 */

/**
 * The Metrics Insights query behind the one alarm over every host queue. Host queues are created
 * at run time (`gpuhive-<stage>-host-<hostId>`), so no alarm can name them, and one alarm per host
 * would cost more than the host. The documented WHERE operators are `=`, `!=` and `AND` (no
 * `LIKE`, no prefix match), so the query takes every queue in the account and Region and leaves
 * out this stage's shared queues and DLQs, which have alarms of their own. One AWS account per
 * stage (AWS's own advice) then makes it exactly the host queues. A query reads at most 10,000
 * metrics: past 10,000 hosts the alarm sees a sample and says PARTIAL_DATA.
 */
export const hostQueueAgeQuery = (sharedQueueNames: readonly string[]): string => {
  const excluded = [...sharedQueueNames].sort().map((name) => `QueueName != '${name.replaceAll("'", "\\'")}'`);
  const where = excluded.length > 0 ? ` WHERE ${excluded.join(' AND ')}` : '';
  return `SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA("AWS/SQS", QueueName)${where}`;
};

/** Alarms the stack creates for a topology: the cost model prices them from this count, and a test checks it against the template. */
export const alarmCountOf = (topology: Topology): number => {
  const functions = topology.routes.length + 2 + topology.queues.length + topology.schedules.length;
  const perFunction = 2; // errors, throttles
  const perSharedQueue = 2; // DLQ depth, oldest message
  const fleetWide = 2; // host queues (Metrics Insights), API 5xx
  return functions * perFunction + topology.queues.length * perSharedQueue + fleetWide;
};
