import { describe, expect, it } from 'vitest';
import { resourceName, topology } from '#infra/topology.ts';
import { sharedSynthesis } from './synth.ts';

const dev = sharedSynthesis();
const prod = sharedSynthesis({ stage: 'prod' });

const tableOf = (synthesized: typeof dev, name: string) => {
  const tables = Object.values(synthesized.template.findResources('AWS::DynamoDB::Table'));
  return tables.find((table) => table.Properties.TableName === resourceName(synthesized.stack.config.stage, name));
};

const tables = Object.entries(topology.tables);

describe('GpuhiveStack tables', () => {
  it('builds exactly one table per topology entry', () => {
    expect(Object.keys(dev.template.findResources('AWS::DynamoDB::Table'))).toHaveLength(tables.length);
  });

  it.each(tables)('keys %s by pk and sk strings', (name) => {
    expect(tableOf(dev, name)?.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it.each(tables)('bills %s per request', (name) => {
    expect(tableOf(dev, name)?.Properties.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it.each(tables)('enables point-in-time recovery on %s', (name) => {
    expect(tableOf(dev, name)?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it.each(tables)('encrypts %s with the AWS-managed key', (name) => {
    expect(tableOf(dev, name)?.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it.each(tables)('gives %s the GSIs of the topology, all attributes projected', (name, def) => {
    const indexes = tableOf(dev, name)?.Properties.GlobalSecondaryIndexes as unknown[];
    expect(indexes).toEqual(
      def.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it.each(tables)('expires items of %s by its TTL attribute', (name, def) => {
    expect(tableOf(dev, name)?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
  });

  it.each(tables)('protects %s from deletion in prod', (name) => {
    expect(tableOf(prod, name)?.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it.each(tables)('retains %s when the prod stack is deleted', (name) => {
    expect(tableOf(prod, name)?.DeletionPolicy).toBe('Retain');
  });

  it.each(tables)('lets a dev stack delete %s', (name) => {
    expect(tableOf(dev, name)?.DeletionPolicy).toBe('Delete');
  });
});
