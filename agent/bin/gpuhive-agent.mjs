#!/usr/bin/env node
// From a clone: `npx gpuhive-agent ...` runs the TypeScript sources through tsx (a dev
// dependency), so no build step is needed. Providers get the single-file bundle instead
// (GET /agent/gpuhive-agent.mjs), which needs only Node.js 20+.
import { register } from 'tsx/esm/api';

register();
await import('../src/entry.ts');
