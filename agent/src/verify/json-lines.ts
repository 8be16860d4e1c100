import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { VerificationAborted } from './backend.ts';

/**
 * A verifier in a process of its own that speaks one JSON object a line (the CUDA container's
 * verify.py and the simulated verifier's child): what it writes is read a line at a time, a
 * line with `error` is its failure, and it exiting before it answered is one too (aborted
 * when `signal` killed it). Its stderr is kept (the last 4,000 characters) for that message.
 * Lines are split here: node:readline would stay loaded in the agent after its first run.
 */
export class JsonLinesChild {
  private readonly lines: string[] = [];
  private partial = '';
  private waiting: (() => void) | undefined;
  private stderr = '';
  /** Its exit code once it exited and its output was read to the end ('close', not 'exit': a last line may still be in the pipe). */
  private closed: { code: number | null } | undefined;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly signal: AbortSignal,
    private readonly what: string,
  ) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      if (parts.length > 0) this.waiting?.();
    });
    // Writing to a verifier that died fails (EPIPE): its exit is what the reader reports.
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000); });
    child.once('close', (code: number | null) => { this.closed = { code }; });
    signal.addEventListener('abort', this.kill, { once: true });
  }

  send(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** The next line it writes, parsed. */
  next(): Promise<unknown> {
    const { child, signal, what } = this;
    return new Promise((resolve, reject) => {
      const onLine = () => {
        const line = this.lines.shift();
        if (line === undefined) return;
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
        this.waiting = undefined;
        child.off('close', onExit);
      };
      if (this.lines.length > 0) return onLine();
      if (this.closed) return onExit(this.closed.code);
      this.waiting = onLine;
      child.once('close', onExit);
    });
  }

  /** Frees it: stops reading and kills it if it still runs. */
  close(): void {
    this.signal.removeEventListener('abort', this.kill);
    this.child.stdout.removeAllListeners('data');
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private readonly kill = () => {
    this.child.kill('SIGKILL');
  };
}
