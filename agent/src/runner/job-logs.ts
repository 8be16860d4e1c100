import { closeSync, existsSync, openSync, readSync, renameSync, statSync, writeSync, fstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE } from '#agent/core/files.ts';

export type Stream = 'stdout' | 'stderr';

export interface JobLogsOptions {
  /** Rotate `output.log` past this size (default 10 MiB), keeping `keepFiles` old ones (default 2). */
  readonly maxFileBytes?: number;
  readonly keepFiles?: number;
  /** Hands a chunk of one stream to the shipper, at most every `flushMs` or every `chunkChars`. */
  readonly onChunk?: (stream: Stream, data: string, at: Date) => void;
  readonly flushMs?: number;
  readonly chunkChars?: number;
  /** Values never written or shipped as they are (a generated Jupyter token): each becomes `[redacted]`. */
  readonly redact?: readonly string[];
}

/** At most 16 Ki characters is at most 64 KiB of UTF-8: the contract's chunk limit. */
const DEFAULT_CHUNK_CHARS = 16 * 1024;

/**
 * A job's stdout and stderr, interleaved as they arrive, in `<dir>/output.log` (rotated to
 * output.log.1, .2), and handed on in chunks per stream for shipping.
 */
export class JobLogs {
  readonly file: string;
  private fd: number;
  private size: number;
  private readonly buffers: Record<Stream, string> = { stdout: '', stderr: '' };
  private timer: NodeJS.Timeout | undefined;
  lastWriteAt: Date | undefined;

  constructor(
    readonly dir: string,
    private readonly options: JobLogsOptions = {},
  ) {
    ensurePrivateDir(dir);
    this.file = join(dir, 'output.log');
    this.fd = openSync(this.file, 'a', PRIVATE_FILE);
    this.size = fstatSync(this.fd).size;
  }

  write(stream: Stream, raw: string): void {
    if (raw === '') return;
    let text = raw;
    for (const secret of this.options.redact ?? []) if (secret.length >= 8) text = text.split(secret).join('[redacted]');
    this.lastWriteAt = new Date();
    const bytes = Buffer.from(text, 'utf8');
    if (this.size + bytes.length > (this.options.maxFileBytes ?? 10 * 1024 * 1024) && this.size > 0) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
    if (!this.options.onChunk) return;
    this.buffers[stream] += text;
    const limit = this.options.chunkChars ?? DEFAULT_CHUNK_CHARS;
    while (this.buffers[stream].length >= limit) {
      this.options.onChunk(stream, this.buffers[stream].slice(0, limit), this.lastWriteAt);
      this.buffers[stream] = this.buffers[stream].slice(limit);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Hands on what is buffered. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.buffers[stream] !== '') this.options.onChunk?.(stream, this.buffers[stream], this.lastWriteAt ?? new Date());
      this.buffers[stream] = '';
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    const keep = this.options.keepFiles ?? 2;
    const rotated = (n: number) => `${this.file}.${n}`;
    if (existsSync(rotated(keep))) rmSync(rotated(keep));
    for (let n = keep - 1; n >= 1; n -= 1) if (existsSync(rotated(n))) renameSync(rotated(n), rotated(n + 1));
    if (keep > 0) renameSync(this.file, rotated(1));
    else rmSync(this.file);
    this.fd = openSync(this.file, 'a', PRIVATE_FILE);
    this.size = 0;
  }

  tail(lines = 20): string {
    return tailOfFile(this.file, lines);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** The last `lines` lines of a file (reads at most its last 64 KiB). */
export const tailOfFile = (file: string, lines = 20, maxBytes = 64 * 1024): string => {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const length = Math.min(size, maxBytes);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const all = buffer.toString('utf8').replace(/\n$/, '').split('\n');
  return all.slice(-lines).join('\n');
};
