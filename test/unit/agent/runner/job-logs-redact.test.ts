import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobLogs } from '#agent/runner/job-logs.ts';

describe('JobLogs redaction', () => {
  it('never writes or ships a generated secret the job prints (Jupyter prints its token in its URL)', () => {
    const shipped: string[] = [];
    const logs = new JobLogs(mkdtempSync(join(tmpdir(), 'gpuhive-redact-')), { redact: ['s3cret-token-value'], onChunk: (_stream, data) => shipped.push(data), flushMs: 60_000 });

    logs.write('stderr', 'http://127.0.0.1:8888/lab?token=s3cret-token-value\n');
    logs.flush();
    logs.close();

    expect(readFileSync(logs.file, 'utf8')).toBe('http://127.0.0.1:8888/lab?token=[redacted]\n');
    expect(shipped.join('')).toBe('http://127.0.0.1:8888/lab?token=[redacted]\n');
  });
});
