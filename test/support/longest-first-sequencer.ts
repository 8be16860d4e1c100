import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The `isolated` lane's files that take longest, longest first (a cold `npm test`, 2026-12-07:
 * 31-47 s each, its other files 0.1-25 s). Without a results cache (CI's clean clone, a cold run)
 * vitest starts the largest files first, and `docs-commands` (6 KB, 47 s) started fifteenth of
 * nineteen, leaving one worker to run it alone at the end of the lane, which the unit lane waits
 * for. Started first, they end before the short files do, and the two workers end together. The
 * `runtime` lane ends before the `isolated` and unit lanes together, so its order is left as is.
 */
const SLOWEST = [
  'test/e2e/docs-commands.test.ts',
  'test/console/console.test.ts',
  'test/agent/services.test.ts',
  'test/integration/cli/gpuhive.test.ts',
  'test/e2e/restart.test.ts',
  'test/e2e/readme-walkthrough.test.ts',
  'test/agent/provider-agent.test.ts',
];

/** Vitest's own order (a cached run's durations, else size), with the slowest files known here moved to the front. */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const index = SLOWEST.indexOf(relative(this.ctx.config.root, spec.moduleId));
      return index === -1 ? SLOWEST.length : index;
    };
    // Stable: the files not listed keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
