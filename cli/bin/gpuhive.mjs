#!/usr/bin/env node
// From a clone: `npx gpuhive ...` runs the TypeScript sources through tsx (a dev dependency),
// so no build step is needed. Renters get the single-file bundle instead (GET /cli/gpuhive.mjs,
// or `npm pack` in cli/), which needs only Node.js 20+ and starts faster.
import { register } from 'tsx/esm/api';

register();
await import('../entry.ts');
