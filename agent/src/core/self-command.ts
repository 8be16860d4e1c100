/**
 * How to start this program again, as it was started (the same Node.js, its flags, the bundle
 * or the launcher): for work done in a child process, whose memory leaves with it.
 */
export interface SelfCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export const selfCommand = (): SelfCommand => {
  const script = process.argv[1];
  if (!script) throw new Error('cannot start the agent again: Node.js gave no script path');
  return { command: process.execPath, args: [...process.execArgv, script] };
};
