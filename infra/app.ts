import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GpuhiveStack } from './stacks/gpuhive-stack.ts';
import { ContextKeys, isStage, STAGES } from './stacks/stage-config.ts';

/**
 * `npx cdk synth -c stage=prod`; dev unless told otherwise. The other context keys
 * (`reservedConcurrency`, `alarmEmail`) are read by the stack: see stage-config.ts and the README.
 */
const app = new App();
const stage: unknown = app.node.tryGetContext(ContextKeys.stage) ?? 'dev';
if (!isStage(stage)) throw new Error(`Unknown stage '${String(stage)}': use -c stage=${STAGES.join('|')}`);

new GpuhiveStack(app, `Gpuhive-${stage}`, {
  stage,
  description: `gpuhive ${stage}: serverless GPU marketplace backend`,
  tags: { project: 'gpuhive', stage },
});

// cdk-nag 3 is a policy-validation plugin: synth fails on any unacknowledged AwsSolutions finding.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
