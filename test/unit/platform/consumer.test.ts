import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import { dispatchEventBatches, dispatchEvents, eachOnItsOwn, fifoDispatchEventRuns, fifoDispatchEvents } from '#platform/consumer.ts';
import { eventRecord, lambdaContext, sampleDetail, silentLogger } from '#test/support/factories.ts';

const recordOf = eventRecord;

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('dispatchEvents', () => {
  it('hands each record to the handler of its own event, with the parsed detail', async () => {
    const seen: string[] = [];
    const handler = dispatchEvents(silentLogger(), [events.fundsHeld, events.balanceLow], {
      [events.fundsHeld.DETAIL_TYPE]: async (held) => {
        seen.push(`held ${held.jobId}`);
      },
      [events.balanceLow.DETAIL_TYPE]: async (low, { definition }) => {
        seen.push(`low ${low.accountId} ${low.runningJobIds.length} via ${definition.DETAIL_TYPE}`);
      },
    });
    const held = sampleDetail('fundsHeld');
    const low = sampleDetail('balanceLow');

    const result = await handler(batch(recordOf(events.fundsHeld, held, 'm1'), recordOf(events.balanceLow, low, 'm2')), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(seen).toEqual([`held ${held.jobId}`, `low ${low.accountId} ${(low.runningJobIds as unknown[]).length} via balance.low`]);
  });

  it('fails only the record of an event it does not take, and the one whose handler throws', async () => {
    const seen: string[] = [];
    const handler = dispatchEvents(silentLogger(), [events.fundsHeld, events.jobEnded], {
      [events.fundsHeld.DETAIL_TYPE]: async (held) => {
        seen.push(held.jobId);
      },
      [events.jobEnded.DETAIL_TYPE]: async () => {
        throw new Error('the store is down');
      },
    });

    const result = await handler(
      batch(recordOf(events.fundsHeld, sampleDetail('fundsHeld'), 'ok'), recordOf(events.balanceLow, sampleDetail('balanceLow'), 'foreign'), recordOf(events.jobEnded, sampleDetail('jobEnded'), 'throws')),
      lambdaContext(),
    );

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['foreign', 'throws']);
    expect(seen).toHaveLength(1);
  });

  it('refuses two events that share a detail type, which it could not tell apart', () => {
    const impostor = { ...events.fundsHeld, SOURCE: 'gpuhive.elsewhere' } as const;

    expect(() =>
      dispatchEvents(silentLogger(), [events.fundsHeld, impostor], { [events.fundsHeld.DETAIL_TYPE]: async () => undefined }),
    ).toThrow(/share the detail type funds\.held/);
  });
});

const inGroup = (record: SQSRecord, group: string): SQSRecord => ({ ...record, attributes: { ...record.attributes, MessageGroupId: group } });

describe('fifoDispatchEvents', () => {
  it('handles one message group\'s records in order and different groups at the same time', async () => {
    const log: string[] = [];
    let releaseA: () => void = () => undefined;
    const aWaits = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const handler = fifoDispatchEvents(silentLogger(), [events.fundsHeld], {
      [events.fundsHeld.DETAIL_TYPE]: async (held) => {
        log.push(`start ${held.jobId}`);
        // a1 waits until b1 ran: it can only finish if group b is not queued behind group a.
        if (held.jobId === 'a1') await aWaits;
        if (held.jobId === 'b1') releaseA();
        log.push(`end ${held.jobId}`);
      },
    });
    const held = (jobId: string, id: string, group: string) => inGroup(recordOf(events.fundsHeld, { ...sampleDetail('fundsHeld'), jobId }, id), group);

    const result = await handler(batch(held('a1', 'm1', 'a'), held('a2', 'm2', 'a'), held('b1', 'm3', 'b')), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('fails a record that throws and every later record of its group, never an earlier one or another group\'s', async () => {
    const seen: string[] = [];
    const handler = fifoDispatchEvents(silentLogger(), [events.fundsHeld], {
      [events.fundsHeld.DETAIL_TYPE]: async (held) => {
        if (held.jobId === 'a2') throw new Error('the store is down');
        seen.push(held.jobId);
      },
    });
    const held = (jobId: string, id: string, group: string) => inGroup(recordOf(events.fundsHeld, { ...sampleDetail('fundsHeld'), jobId }, id), group);

    const result = await handler(batch(held('a1', 'm1', 'a'), held('a2', 'm2', 'a'), held('b1', 'm3', 'b'), held('a3', 'm4', 'a'), held('b2', 'm5', 'b')), lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['m2', 'm4']);
    expect(seen.sort()).toEqual(['a1', 'b1', 'b2']);
  });
});

describe('fifoDispatchEventRuns', () => {
  const held = (jobId: string, id: string, group: string) => inGroup(recordOf(events.fundsHeld, { ...sampleDetail('fundsHeld'), jobId }, id), group);
  const low = (id: string, group: string) => inGroup(recordOf(events.balanceLow, sampleDetail('balanceLow'), id), group);

  it('hands each group\'s consecutive records of one event to its handler together, in order', async () => {
    const runs: string[] = [];
    const handler = fifoDispatchEventRuns(silentLogger(), [events.fundsHeld, events.balanceLow], {
      [events.fundsHeld.DETAIL_TYPE]: async (details) => {
        runs.push(`held ${details.map((detail) => detail.jobId).join(',')}`);
      },
      [events.balanceLow.DETAIL_TYPE]: async (details) => {
        runs.push(`low x${details.length}`);
      },
    });

    const result = await handler(batch(held('a1', 'm1', 'a'), held('a2', 'm2', 'a'), held('b1', 'm3', 'b'), low('m4', 'a'), held('a3', 'm5', 'a')), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(runs.filter((run) => !run.includes('b1'))).toEqual(['held a1,a2', 'low x1', 'held a3']);
    expect(runs).toContain('held b1');
  });

  it('fails a run that throws with every later record of its group, never an earlier run or another group', async () => {
    const handled: string[] = [];
    const handler = fifoDispatchEventRuns(silentLogger(), [events.fundsHeld, events.balanceLow], {
      [events.fundsHeld.DETAIL_TYPE]: async (details) => {
        handled.push(...details.map((detail) => detail.jobId));
      },
      [events.balanceLow.DETAIL_TYPE]: async () => {
        throw new Error('the store is down');
      },
    });

    const result = await handler(batch(held('a1', 'm1', 'a'), low('m2', 'a'), held('a2', 'm3', 'a'), held('b1', 'm4', 'b')), lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['m2', 'm3']);
    expect(handled.sort()).toEqual(['a1', 'b1']);
  });

  it('fails a record that does not parse and the rest of its group, after handling the run before it', async () => {
    const handled: string[] = [];
    const handler = fifoDispatchEventRuns(silentLogger(), [events.fundsHeld], {
      [events.fundsHeld.DETAIL_TYPE]: async (details) => {
        handled.push(...details.map((detail) => detail.jobId));
      },
    });
    const broken = inGroup({ ...recordOf(events.fundsHeld, sampleDetail('fundsHeld'), 'm2'), body: '{"not":"an event"}' }, 'a');

    const result = await handler(batch(held('a1', 'm1', 'a'), broken, held('a2', 'm3', 'a')), lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['m2', 'm3']);
    expect(handled).toEqual(['a1']);
  });
});

describe('fifoDispatchEventRuns over packed records', () => {
  const envelopeOf = (jobId: string) => JSON.parse(recordOf(events.fundsHeld, { ...sampleDetail('fundsHeld'), jobId }, jobId).body) as unknown;
  const packed = (id: string, group: string, jobIds: string[]): SQSRecord => inGroup({ ...recordOf(events.fundsHeld, sampleDetail('fundsHeld'), id), body: JSON.stringify({ events: jobIds.map(envelopeOf) }) }, group);

  it('joins the events of a packed record to the run, in order, with the records around it', async () => {
    const runs: string[][] = [];
    const handler = fifoDispatchEventRuns(silentLogger(), [events.fundsHeld], {
      [events.fundsHeld.DETAIL_TYPE]: async (details) => {
        runs.push(details.map((detail) => detail.jobId));
      },
    });
    const single = inGroup(recordOf(events.fundsHeld, { ...sampleDetail('fundsHeld'), jobId: 'a0' }, 'm0'), 'a');

    const result = await handler(batch(single, packed('m1', 'a', ['a1', 'a2', 'a3']), packed('m2', 'a', ['a4'])), lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(runs).toEqual([['a0', 'a1', 'a2', 'a3', 'a4']]);
  });

  it('fails a packed record whose run throws, with every later record of its group', async () => {
    const handler = fifoDispatchEventRuns(silentLogger(), [events.fundsHeld, events.balanceLow], {
      [events.fundsHeld.DETAIL_TYPE]: async () => {
        throw new Error('the store is down');
      },
      [events.balanceLow.DETAIL_TYPE]: async () => undefined,
    });
    const low = inGroup(recordOf(events.balanceLow, sampleDetail('balanceLow'), 'm0'), 'a');

    const result = await handler(batch(low, packed('m1', 'a', ['a1', 'a2']), inGroup(recordOf(events.balanceLow, sampleDetail('balanceLow'), 'm2'), 'a')), lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['m1', 'm2']);
  });
});

describe('dispatchEventBatches', () => {
  it('hands every record of a detail type to its handler at once, the types in the order given', async () => {
    const log: string[] = [];
    const handler = dispatchEventBatches(silentLogger(), [events.jobScheduled, events.jobEnded], {
      [events.jobScheduled.DETAIL_TYPE]: async (scheduled) => {
        log.push(`scheduled ${scheduled.map(({ detail }) => detail.jobId).join(',')}`);
      },
      [events.jobEnded.DETAIL_TYPE]: eachOnItsOwn(silentLogger(), events.jobEnded, async (ended) => {
        log.push(`ended ${ended.jobId}`);
      }),
    });

    const result = await handler(
      batch(
        recordOf(events.jobEnded, { ...sampleDetail('jobEnded'), jobId: 'job_e' }, 'e'),
        recordOf(events.jobScheduled, { ...sampleDetail('jobScheduled'), jobId: 'job_a' }, 'a'),
        recordOf(events.jobScheduled, { ...sampleDetail('jobScheduled'), jobId: 'job_b' }, 'b'),
      ),
      lambdaContext(),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(log).toEqual(['scheduled job_a,job_b', 'ended job_e']);
  });

  it('fails every record of a batch handler that throws, only the ones it names, and a record it cannot parse alone', async () => {
    const handler = dispatchEventBatches(silentLogger(), [events.jobScheduled, events.jobEnded, events.fundsHeld], {
      [events.jobScheduled.DETAIL_TYPE]: async () => {
        throw new Error('the store is down');
      },
      [events.jobEnded.DETAIL_TYPE]: async (ended) => ended.filter(({ detail }) => detail.jobId === 'job_bad').map(({ record }) => record.messageId),
      [events.fundsHeld.DETAIL_TYPE]: async () => undefined,
    });

    const result = await handler(
      batch(
        recordOf(events.jobScheduled, sampleDetail('jobScheduled'), 's1'),
        recordOf(events.jobScheduled, sampleDetail('jobScheduled'), 's2'),
        recordOf(events.jobEnded, { ...sampleDetail('jobEnded'), jobId: 'job_bad' }, 'e1'),
        recordOf(events.jobEnded, sampleDetail('jobEnded'), 'e2'),
        recordOf(events.fundsHeld, { jobId: 'job_1' }, 'unparsable'),
        recordOf(events.balanceLow, sampleDetail('balanceLow'), 'foreign'),
      ),
      lambdaContext(),
    );

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['e1', 'foreign', 's1', 's2', 'unparsable']);
  });
});
