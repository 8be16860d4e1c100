import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { TableDef } from '#infra/topology.ts';
import type { AutoscaledCapacity, StageConfig } from '#infra/stacks/stage-config.ts';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan'] as const;
/** TransactWriteItems is authorised per item through these, ConditionCheckItem included. */
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

export interface ContextTableProps {
  readonly tableName: string;
  readonly def: TableDef;
  readonly stage: StageConfig;
  /** Provisioned, auto-scaled capacity (table and indexes); on demand when absent. */
  readonly capacity?: AutoscaledCapacity;
}

/**
 * A bounded context's single table: `pk`/`sk` strings, the topology's GSIs (all attributes
 * projected), TTL, on-demand or provisioned capacity (its Auto Scaling is TableCapacity), point-in-time recovery and AWS-managed encryption.
 * Grants name the table and each declared index, never `index/*`.
 */
export class ContextTable extends Table {
  readonly def: TableDef;

  constructor(scope: Construct, id: string, props: ContextTableProps) {
    const { def, stage, capacity } = props;
    super(scope, id, {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      ...(capacity
        ? { billingMode: BillingMode.PROVISIONED, readCapacity: capacity.read.min, writeCapacity: capacity.write.min }
        : { billingMode: BillingMode.PAY_PER_REQUEST }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: stage.deletionProtection,
      removalPolicy: stage.removalPolicy,
      ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
    });
    this.def = def;
    for (const index of def.indexes) {
      this.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
        ...(capacity ? { readCapacity: capacity.read.min, writeCapacity: capacity.write.min } : {}),
      });
    }
  }

  /** The table and each of its declared indexes. */
  get resourceArns(): string[] {
    return [this.tableArn, ...this.def.indexes.map((index) => `${this.tableArn}/index/${index.name}`)];
  }

  /** Items only (no table administration), for the context that owns the table. */
  grantItemsReadWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: [...READ_ACTIONS, ...WRITE_ACTIONS], resourceArns: this.resourceArns });
  }

  /** For the read-only ports of ARCHITECTURE.md (another context's data, read synchronously). */
  grantItemsRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: [...READ_ACTIONS], resourceArns: this.resourceArns });
  }
}
