import { printRuntimeLogOnFailure } from './runtime-log.ts';

// A setup file of the projects whose files start local runtimes (vitest.config.ts).
printRuntimeLogOnFailure();
