import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Outbox, readOutboxFile } from '#agent/core/outbox.ts';

let path: string;
beforeEach(() => {
  path = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'outbox.jsonl');
});

const usage = (n: number) => ({ id: `a-1/usage/usage-${n}`, kind: 'usage' as const, assignmentId: 'a-1', payload: { eventId: `usage-${n}`, gpuSeconds: n } });

describe('Outbox', () => {
  it('keeps what was put but never acknowledged across a crash (reopened from disk)', () => {
    const first = Outbox.open(path);
    first.put([usage(1), usage(2)]);
    first.settle(['a-1/usage/usage-1'], 'delivered');
    // crash: the process dies without closing anything

    const reopened = Outbox.open(path);

    expect(reopened.pending().map((entry) => entry.id)).toEqual(['a-1/usage/usage-2']);
    expect(reopened.pending()[0]!.payload).toEqual({ eventId: 'usage-2', gpuSeconds: 2 });
  });

  it('ignores a line torn by a crash in the middle of a write and keeps the rest', () => {
    const outbox = Outbox.open(path);
    outbox.put([usage(1)]);
    appendFileSync(path, '{"op":"put","entry":{"id":"a-1/usage/us');

    const reopened = Outbox.open(path);

    expect(reopened.skippedLines).toBe(1);
    expect(reopened.pending().map((entry) => entry.id)).toEqual(['a-1/usage/usage-1']);
    reopened.put([usage(3)]);
    expect(Outbox.open(path).pending().map((entry) => entry.id)).toEqual(['a-1/usage/usage-1', 'a-1/usage/usage-3']);
  });

  it('does not add an id that is already pending, so a replayed put is one entry', () => {
    const outbox = Outbox.open(path);

    const added = [...outbox.put([usage(1)]), ...outbox.put([usage(1)])];

    expect(added).toHaveLength(1);
    expect(outbox.size).toBe(1);
  });

  it('appends: the file grows by one line per put and per settlement until compaction', () => {
    const outbox = Outbox.open(path, { compactAfter: 3 });
    outbox.put([usage(1)]);
    outbox.put([usage(2)]);
    outbox.settle(['a-1/usage/usage-1'], 'delivered');
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);

    outbox.settle(['a-1/usage/usage-2'], 'delivered');
    outbox.put([usage(3)]);
    outbox.settle(['a-1/usage/usage-3'], 'dropped');

    expect(readFileSync(path, 'utf8')).toBe('');
    expect(outbox.stats()).toMatchObject({ pending: 0, delivered: 2, dropped: 1 });
  });

  it('writes its file readable by the owner only', () => {
    Outbox.open(path).put([usage(1)]);

    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('is readable without opening it for writing (for status)', () => {
    const outbox = Outbox.open(path);
    outbox.put([usage(1), usage(2)]);
    outbox.settle(['a-1/usage/usage-2'], 'delivered');

    expect(readOutboxFile(path).map((entry) => entry.id)).toEqual(['a-1/usage/usage-1']);
  });

  it('starts empty from a file with only garbage', () => {
    writeFileSync(path, 'not json\n');

    expect(Outbox.open(path).size).toBe(0);
  });
});
