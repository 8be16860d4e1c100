import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toService, toServiceClaim } from '#matching/adapters/service-codecs.ts';

const serviceItem = {
  pk: 'SERVICE#svc_1', sk: 'SERVICE', gsi1pk: 'SERVICES#r1', gsi1sk: 'c#svc_1', workBucket: 'service', workDueAt: 'c',
  serviceId: 'svc_1', renterId: 'r1', name: 'api', status: 'active', revision: 2, replicas: 1, slots: [], retiring: [],
  spec: { image: 'nginx', envPairs: [['constructor', 'x'], ['A', '1']] },
};

describe('service item codecs', () => {
  it('read a service without its keys, its env back from pairs', () => {
    const service = toService(serviceItem);
    expect(service).toEqual({ serviceId: 'svc_1', renterId: 'r1', name: 'api', status: 'active', revision: 2, replicas: 1, slots: [], retiring: [], spec: { image: 'nginx', env: { constructor: 'x', A: '1' } } });
    expect(Object.keys(service.spec.env)).toEqual(['constructor', 'A']);
    expect(toService({ ...serviceItem, spec: { image: 'nginx' } }).spec.env).toEqual({});
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toService({ ...serviceItem, revision: undefined })).toThrow(MalformedItemError);
    expect(() => toService({ ...serviceItem, revision: undefined })).toThrow(/stored service item .*revision/s);
    expect(() => toService({ ...serviceItem, status: 'asleep' })).toThrow(/stored service item .*status/s);
    expect(() => toService({ ...serviceItem, spec: { envPairs: [['A', 1]] } })).toThrow(/stored service item .*spec/s);
    expect(() => toServiceClaim({ bodyHash: 'h' })).toThrow(/stored service idempotency key item .*serviceId/s);
  });
});
