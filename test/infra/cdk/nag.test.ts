import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { sharedSynthesis, type Synthesized } from './synth.ts';
import { topologyWithConsumer } from './fixtures/topology.ts';

/** `cdk synth` fails on any of these; listing them makes a failure readable. */
const unacknowledgedFindings = ({ app }: Synthesized): string[] =>
  new AwsSolutionsChecks(app)
    .validateScope(app)
    .violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
    );

/** Synthesizing and checking a whole app takes seconds alone, and far longer on a busy 2-core machine. */
const SYNTH_AND_CHECK_MS = 300_000;

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the dev stack', () => {
    expect(unacknowledgedFindings(sharedSynthesis())).toEqual([]);
  }, SYNTH_AND_CHECK_MS);

  it('finds nothing unacknowledged in the prod stack', () => {
    expect(unacknowledgedFindings(sharedSynthesis({ stage: 'prod' }))).toEqual([]);
  }, SYNTH_AND_CHECK_MS);

  it('finds nothing unacknowledged once the topology has queues and rules', () => {
    expect(unacknowledgedFindings(sharedSynthesis({ topology: topologyWithConsumer }))).toEqual([]);
  }, SYNTH_AND_CHECK_MS);
});
