#!/usr/bin/env node
// The `gpuhive` command: runs the TypeScript CLI through tsx from the clone's node_modules,
// so `npx gpuhive` works on Node 20 without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main.ts');
process.exitCode = await main(process.argv.slice(2));
