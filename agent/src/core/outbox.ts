import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { PRIVATE_FILE, writeFileAtomic } from './files.ts';
import { isoTime } from './clock.ts';

/**
 * The agent's on-disk outbox: every status event, usage record and log chunk is appended
 * here (one JSON line, fsync'd) before anything is sent, and stays pending until the API
 * acknowledges it. A crash loses nothing: on open the log is replayed, a torn last line is
 * ignored, and what was pending is sent again (the API deduplicates: events, usage by
 * eventId and log chunks by seq are idempotent). The file is compacted on open and when
 * settled lines pile up, by write-then-rename, so it never holds half a state.
 */
export type OutboxKind = 'event' | 'usage' | 'logs';

export interface OutboxEntry<P = unknown> {
  /** Stable: the same effect always gets the same id, so a replayed put is recognised. */
  readonly id: string;
  readonly kind: OutboxKind;
  readonly assignmentId: string;
  readonly payload: P;
  readonly createdAt: string;
  /** An event sent only once the log chunks of its assignment put before it are stored (a job's end; see OutboxSender). */
  readonly afterLogs?: boolean;
}

export type Settlement = 'delivered' | 'dropped';

type Line = { readonly op: 'put'; readonly entry: OutboxEntry } | { readonly op: 'done'; readonly ids: readonly string[]; readonly outcome: Settlement };

export interface OutboxOptions {
  /** fsync after every append (default true); tests of the format may turn it off. */
  readonly fsync?: boolean;
  /** Compact once this many settled lines are in the file (default 2,000). */
  readonly compactAfter?: number;
  readonly now?: () => Date;
}

export interface OutboxStats {
  readonly pending: number;
  readonly byKind: Record<OutboxKind, number>;
  readonly oldestAt: string | undefined;
  readonly delivered: number;
  readonly dropped: number;
}

export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();
  /** Ids settled since this process opened the file (a replayed put of one is ignored). */
  private readonly settled = new Set<string>();
  private fd: number | undefined;
  private settledLines = 0;
  private delivered = 0;
  private dropped = 0;
  /** Lines that could not be parsed when the file was opened (a torn write at the end). */
  readonly skippedLines: number;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly path: string,
    private readonly options: OutboxOptions,
  ) {
    this.skippedLines = this.replay();
    this.compact();
  }

  static open(path: string, options: OutboxOptions = {}): Outbox {
    return new Outbox(path, options);
  }

  private replay(): number {
    if (!existsSync(this.path)) return 0;
    let skipped = 0;
    for (const text of readFileSync(this.path, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        skipped += 1;
        continue;
      }
      if (line.op === 'put') {
        if (!this.settled.has(line.entry.id)) this.entries.set(line.entry.id, line.entry);
      } else if (line.op === 'done') {
        for (const id of line.ids) {
          this.entries.delete(id);
          this.settled.add(id);
        }
      }
    }
    return skipped;
  }

  private append(lines: readonly Line[]): void {
    if (lines.length === 0) return;
    if (this.fd === undefined) this.fd = openSync(this.path, 'a', PRIVATE_FILE);
    writeSync(this.fd, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    if (this.options.fsync !== false) fsyncSync(this.fd);
  }

  /** Rewrites the file with only what is pending. */
  compact(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    writeFileAtomic(this.path, [...this.entries.values()].map((entry) => `${JSON.stringify({ op: 'put', entry })}\n`).join(''));
    this.settledLines = 0;
  }

  /**
   * Durably records new entries (one fsync for all). An id already pending, or settled in
   * this process's life, is skipped. Returns the entries actually added.
   */
  put(entries: readonly Omit<OutboxEntry, 'createdAt'>[]): OutboxEntry[] {
    const createdAt = isoTime(this.options.now?.() ?? new Date());
    const added: OutboxEntry[] = [];
    for (const entry of entries) {
      if (this.entries.has(entry.id) || this.settled.has(entry.id) || added.some((other) => other.id === entry.id)) continue;
      added.push({ ...entry, createdAt });
    }
    this.append(added.map((entry) => ({ op: 'put', entry })));
    for (const entry of added) this.entries.set(entry.id, entry);
    if (added.length > 0) for (const listener of this.listeners) listener();
    return added;
  }

  /** Records that the API acknowledged these (or that they can never be delivered). */
  settle(ids: readonly string[], outcome: Settlement): void {
    const known = ids.filter((id) => this.entries.has(id));
    if (known.length === 0) return;
    this.append([{ op: 'done', ids: known, outcome }]);
    for (const id of known) {
      this.entries.delete(id);
      this.settled.add(id);
    }
    if (outcome === 'delivered') this.delivered += known.length;
    else this.dropped += known.length;
    this.settledLines += 1;
    if (this.settledLines >= (this.options.compactAfter ?? 2000)) this.compact();
  }

  /** Pending entries in the order they were put. */
  pending(kind?: OutboxKind): OutboxEntry[] {
    const all = [...this.entries.values()];
    return kind ? all.filter((entry) => entry.kind === kind) : all;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Called after every put that added something (the sender wakes up). */
  onPut(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OutboxStats {
    const byKind: Record<OutboxKind, number> = { event: 0, usage: 0, logs: 0 };
    let oldestAt: string | undefined;
    for (const entry of this.entries.values()) {
      byKind[entry.kind] += 1;
      if (oldestAt === undefined || entry.createdAt < oldestAt) oldestAt = entry.createdAt;
    }
    return { pending: this.entries.size, byKind, oldestAt, delivered: this.delivered, dropped: this.dropped };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads an outbox file without opening it for writing (for `gpuhive-agent status`). */
export const readOutboxFile = (path: string): OutboxEntry[] => {
  if (!existsSync(path)) return [];
  const entries = new Map<string, OutboxEntry>();
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    try {
      const line = JSON.parse(text) as Line;
      if (line.op === 'put') entries.set(line.entry.id, line.entry);
      else for (const id of line.ids) entries.delete(id);
    } catch {
      // blank or torn line
    }
  }
  return [...entries.values()];
};
