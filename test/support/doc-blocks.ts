import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The shell blocks of the Markdown docs and how each is marked, so that a test can run the
 * commands a reader would run. A shell block (```sh, ```bash, ```shell) carries one HTML
 * comment on the line before its fence:
 *
 * - `<!-- walkthrough -->`: the README's tour, run by test/e2e/readme-walkthrough.test.ts;
 * - `<!-- run -->`: run by test/e2e/docs-commands.test.ts, in order with the document's other
 *   `run` blocks in one shell; `<!-- run; prints TEXT -->` also checks that the block prints
 *   TEXT (several `; prints` parts may follow);
 * - `<!-- not run: REASON -->`: a command no test can run (a deploy to AWS, a 10-minute soak);
 *   the docs test lists it as skipped, with its reason.
 */
export type BlockMark =
  | { readonly kind: 'walkthrough' }
  | { readonly kind: 'run'; readonly prints: readonly string[] }
  | { readonly kind: 'not-run'; readonly reason: string }
  | { readonly kind: 'unmarked' };

export interface ShellBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  readonly mark: BlockMark;
}

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell']);

const markOf = (comment: string | undefined): BlockMark => {
  const text = comment?.match(/^<!--\s*([\s\S]*?)\s*-->$/)?.[1];
  if (text === undefined) return { kind: 'unmarked' };
  if (text === 'walkthrough') return { kind: 'walkthrough' };
  const notRun = /^not run:\s*([\s\S]+)$/.exec(text);
  if (notRun) return { kind: 'not-run', reason: notRun[1] ?? '' };
  const [head, ...parts] = text.split(/;\s*prints\s+/);
  if (head?.trim() === 'run') return { kind: 'run', prints: parts.map((part) => part.trim()) };
  return { kind: 'unmarked' };
};

/** Every shell block of `file`, in order, with its mark. */
export const shellBlocks = (file: string): ShellBlock[] => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: ShellBlock[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const fence = /^```(\S*)\s*$/.exec(lines[index] ?? '');
    if (!fence) continue;
    const end = lines.findIndex((line, at) => at > index && /^```\s*$/.test(line));
    if (end < 0) break;
    if (SHELL_LANGUAGES.has(fence[1] ?? '')) {
      const before = lines.slice(0, index).reverse().find((line) => line.trim() !== '');
      blocks.push({ file, line: index + 1, code: lines.slice(index + 1, end).join('\n'), mark: markOf(before?.trim()) });
    }
    index = end;
  }
  return blocks;
};

export interface BlocksRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What each block printed, by the block's position in the list given. */
  readonly outputs: readonly string[];
  /** The block that was running when the shell stopped, if it stopped early. */
  readonly failedBlock: ShellBlock | undefined;
}

/**
 * `DOCS_TRACE=PREFIX`: each shell writes bash's xtrace, every command with the time it started,
 * to `PREFIX.<its pid>`, to see where a document's time goes.
 */
const traceCommands = (prefix: string | undefined): string =>
  prefix ? `PS4='+ $EPOCHREALTIME '\nexec {BASH_XTRACEFD}>>'${prefix}'.$$\nset -x\n` : '';

/**
 * Runs the blocks in order in one `bash -euo pipefail`, so variables set by one block are seen
 * by the next, as in a reader's terminal. Stdin is closed: bash reads the system bashrc when
 * its stdin is a socket (as Node's pipes are), which would break `-u`. Asynchronous, so a
 * backend running in this process keeps answering.
 */
export const runBlocks = (
  blocks: readonly ShellBlock[],
  options: { readonly cwd?: string; readonly env: NodeJS.ProcessEnv; readonly timeoutMs: number },
): Promise<BlocksRun> =>
  new Promise((resolve) => {
    const script = traceCommands(process.env.DOCS_TRACE) + blocks.map((block, index) => `echo "<<block ${index}>>"\n${block.code}\necho`).join('\n');
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs} ms)`;
      killGroup();
    }, options.timeoutMs);
    let status: number | null = null;
    // Anything a block left running in the background (and holding its output open) goes with the shell.
    child.once('exit', (code) => {
      status = code;
      killGroup();
    });
    child.once('close', () => {
      clearTimeout(timer);
      const outputs = stdout.split(/<<block \d+>>\n/).slice(1);
      resolve({
        status,
        stdout,
        stderr,
        outputs,
        failedBlock: status === 0 ? undefined : blocks[Math.max(0, outputs.length - 1)],
      });
    });
  });
