import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { App, Stack } from 'aws-cdk-lib';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuhiveFunction } from '#infra/constructs/gpuhive-function.ts';
import { stageConfig } from '#infra/stacks/stage-config.ts';
import { topology } from '#infra/topology.ts';

/**
 * `GET /agent/gpuhive-agent.mjs` on AWS reads the bundle next to its handler: the function's
 * bundling step must write it there. This one function is bundled for real (esbuild runs).
 */
describe('the agent distribution function', () => {
  it('ships gpuhive-agent.mjs beside its handler in the Lambda asset', () => {
    const def = topology.routes.find((route) => route.bundlesAgent)!;
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-agent-'));
    // CloudFormation's template checks are left out: without cdk.json's context they only warn, and nothing here reads
    // them, yet starting their engine costs seconds of CPU. The whole app is checked by every other CDK test.
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'AgentBundle');

    new GpuhiveFunction(stack, 'ServeAgentBundle', { def, kind: 'route', stage: stageConfig('dev'), logGroup: new LogGroup(stack, 'Logs') });
    app.synth();

    const asset = readdirSync(outdir).map((name) => join(outdir, name)).find((path) => statSync(path).isDirectory() && existsSync(join(path, 'index.mjs')))!;
    expect(readdirSync(asset).sort()).toEqual(expect.arrayContaining(['gpuhive-agent.mjs', 'index.mjs']));
    expect(statSync(join(asset, 'gpuhive-agent.mjs')).size).toBeGreaterThan(50_000);
  }, 120_000);
});
