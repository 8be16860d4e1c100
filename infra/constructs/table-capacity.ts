import { NestedStack, Stack } from 'aws-cdk-lib';
import { PredefinedMetric, ScalableTarget, ServiceNamespace } from 'aws-cdk-lib/aws-applicationautoscaling';
import { Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { AutoscaledCapacity } from '#infra/stacks/stage-config.ts';
import type { ContextTable } from './context-table.ts';

export interface TableCapacityProps {
  readonly tables: readonly { readonly table: ContextTable; readonly capacity: AutoscaledCapacity }[];
}

/**
 * Auto Scaling of the provisioned tables (table and each index, reads and writes), each target
 * tracking its utilisation. A nested stack: two resources per scaled dimension would push the
 * main stack past CloudFormation's 500 resources.
 */
export class TableCapacity extends NestedStack {
  constructor(scope: Construct, id: string, props: TableCapacityProps) {
    super(scope, id, { description: 'gpuhive: Auto Scaling of the tables billed by provisioned capacity' });
    // The role DynamoDB's own Auto Scaling integration uses (created by AWS on first use).
    const role = Role.fromRoleArn(
      this,
      'ScalingRole',
      Stack.of(this).formatArn({
        service: 'iam',
        region: '',
        resource: 'role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com',
        resourceName: 'AWSServiceRoleForApplicationAutoScaling_DynamoDBTable',
      }),
    );
    for (const { table, capacity } of props.tables) {
      const scaled = [
        { id: table.node.id, resourceId: `table/${table.tableName}`, kind: 'table' },
        ...table.def.indexes.map((index) => ({ id: `${table.node.id}${index.name}`, resourceId: `table/${table.tableName}/index/${index.name}`, kind: 'index' })),
      ];
      for (const { id: scaledId, resourceId, kind } of scaled) {
        for (const [unit, bounds, metric] of [
          ['Read', capacity.read, PredefinedMetric.DYNAMODB_READ_CAPACITY_UTILIZATION],
          ['Write', capacity.write, PredefinedMetric.DYNAMODB_WRITE_CAPACITY_UTILIZATION],
        ] as const) {
          new ScalableTarget(this, `${scaledId}${unit}`, {
            serviceNamespace: ServiceNamespace.DYNAMODB,
            resourceId,
            scalableDimension: `dynamodb:${kind}:${unit}CapacityUnits`,
            minCapacity: bounds.min,
            maxCapacity: bounds.max,
            role,
          }).scaleToTrackMetric('Utilization', { targetValue: capacity.targetUtilizationPercent, predefinedMetric: metric });
        }
      }
    }
  }
}
