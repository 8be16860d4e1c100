import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { App, Stack } from 'aws-cdk-lib';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuhiveFunction } from '#infra/constructs/gpuhive-function.ts';
import { stageConfig } from '#infra/stacks/stage-config.ts';
import { topology } from '#infra/topology.ts';

/**
 * `GET /cli/gpuhive.mjs` on AWS reads the bundle next to its handler: the function's bundling
 * step must write it there. This one function is bundled for real (esbuild runs).
 */
describe('the renter CLI distribution function', () => {
  it('ships gpuhive.mjs beside its handler in the Lambda asset, and it runs on plain Node', () => {
    const def = topology.routes.find((route) => route.bundlesCli)!;
    expect(`${def.method} ${def.path}`).toBe('GET /cli/gpuhive.mjs');
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
    // CloudFormation's template checks are left out: without cdk.json's context they only warn, and nothing here reads
    // them, yet starting their engine costs seconds of CPU. The whole app is checked by every other CDK test.
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'CliBundle');

    new GpuhiveFunction(stack, 'ServeCliBundle', { def, kind: 'route', stage: stageConfig('dev'), logGroup: new LogGroup(stack, 'Logs') });
    app.synth();

    const asset = readdirSync(outdir).map((name) => join(outdir, name)).find((path) => statSync(path).isDirectory() && existsSync(join(path, 'index.mjs')))!;
    expect(readdirSync(asset).sort()).toEqual(expect.arrayContaining(['gpuhive.mjs', 'index.mjs']));
    const version = spawnSync(process.execPath, [join(asset, 'gpuhive.mjs'), '--version'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(version.stdout).toBe('gpuhive 0.1.0\n');
  }, 120_000);
});
