import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VerificationAborted } from './backend.ts';

/**
 * A verifier in a process of its own that speaks one JSON object a line (the CUDA container's
 * verify.py and the simulated verifier's child): what it writes is read a line at a time, a
 * line with `error` is its failure, and it exiting before it answered is one too (aborted
 * when `signal` killed it). Its stderr is kept (the last 4,000 characters) for that message.
 */
export class JsonLinesChild {
  private readonly lines;
  private stderr = '';

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly signal: AbortSignal,
    private readonly what: string,
  ) {
    this.lines = createInterface({ input: child.stdout });
    // Writing to a verifier that died fails (EPIPE): its exit is what the reader reports.
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000); });
    signal.addEventListener('abort', this.kill, { once: true });
  }

  send(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** The next line it writes, parsed. */
  next(): Promise<unknown> {
    const { child, lines, signal, what } = this;
    return new Promise((resolve, reject) => {
      const onLine = (line: string) => {
        cleanup();
        try {
          const parsed = JSON.parse(line) as { error?: string };
          if (parsed.error) reject(new Error(`the verifier failed: ${parsed.error}`));
          else resolve(parsed);
        } catch {
          reject(new Error(`the verifier wrote something that is not JSON: ${line.slice(0, 200)}`));
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(signal.aborted ? new VerificationAborted() : new Error(`${what} exited (${code}) before answering: ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`));
      };
      const cleanup = () => {
        lines.off('line', onLine);
        child.off('exit', onExit);
      };
      if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode);
      lines.on('line', onLine);
      child.once('exit', onExit);
    });
  }

  /** Frees it: stops reading and kills it if it still runs. */
  close(): void {
    this.signal.removeEventListener('abort', this.kill);
    this.lines.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private readonly kill = () => {
    this.child.kill('SIGKILL');
  };
}
