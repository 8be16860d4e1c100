import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of one stretch of a benchmark (the measured window, not its setup), written
 * where `--cpu-prof <file>` says: open it in Chrome DevTools or VS Code. `node --cpu-prof`
 * profiles the whole process, whose seeding would drown the window.
 */
export const windowProfile = async (file: string | undefined): Promise<{ stop(): Promise<void> }> => {
  if (!file) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
};
