import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJobSpec, parseEnvFlags, readJobFile, type SubmitFlags } from '#cli/job-spec.ts';
import { UsageError } from '#cli/errors.ts';

const flags = (overrides: Partial<SubmitFlags> = {}): SubmitFlags => ({ models: [], regions: [], env: [], command: [], ...overrides });

describe('buildJobSpec', () => {
  it('maps the flags onto the body of POST /v1/jobs', () => {
    const spec = buildJobSpec(
      undefined,
      flags({ gpus: 2, maxPrice: '0.6', hosts: 2, models: ['RTX 4090', 'H100'], minVramMb: 20000, regions: ['eu-west'], image: 'img:1', env: ['A=1', 'B=x=y'], maxDurationSeconds: 600, command: ['python', 'train.py'] }),
      {},
    );

    expect(spec).toEqual({
      gpu: { count: 2, models: ['RTX 4090', 'H100'], minVramMb: 20000 },
      maxPricePerGpuHour: '0.6',
      hosts: 2,
      regions: ['eu-west'],
      image: 'img:1',
      env: { A: '1', B: 'x=y' },
      maxDurationSeconds: 600,
      command: ['python', 'train.py'],
    });
  });

  it('defaults the max duration to one hour', () => {
    expect(buildJobSpec(undefined, flags({ gpus: 1, maxPrice: '1', image: 'img' }), {}).maxDurationSeconds).toBe(3600);
  });

  it('lets flags override the job file, field by field', () => {
    const file = { image: 'img', gpu: { count: 1, models: ['A100'] }, maxPricePerGpuHour: '2.000000', env: { KEEP: '1' }, maxDurationSeconds: 7200 };

    const spec = buildJobSpec(file, flags({ gpus: 4, env: ['ADD=2'] }), {});

    expect(spec).toEqual({ image: 'img', gpu: { count: 4, models: ['A100'] }, maxPricePerGpuHour: '2.000000', env: { KEEP: '1', ADD: '2' }, maxDurationSeconds: 7200 });
  });

  it.each([
    [flags({ maxPrice: '1', image: 'img' }), /--gpus/],
    [flags({ gpus: 1, image: 'img' }), /--max-price/],
    [flags({ gpus: 1, maxPrice: '1' }), /--image IMG, a command after --/],
  ])('refuses a job it cannot complete (%#)', (given, message) => {
    expect(() => buildJobSpec(undefined, given, {})).toThrow(message);
  });
});

describe('parseEnvFlags', () => {
  it('copies a bare name from the shell and refuses one that is not set or malformed', () => {
    expect(parseEnvFlags(['TOKEN'], { TOKEN: 's3cret' })).toEqual({ TOKEN: 's3cret' });
    expect(() => parseEnvFlags(['MISSING'], {})).toThrow(UsageError);
    expect(() => parseEnvFlags(['1BAD=x'], {})).toThrow(/NAME=VALUE/);
  });
});

describe('readJobFile', () => {
  it('reads YAML and JSON job files, and names a file that is not an object', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpuhive-job-'));
    await writeFile(join(dir, 'job.yaml'), 'image: img\ngpu:\n  count: 1\nmaxPricePerGpuHour: "0.5"\n');
    await writeFile(join(dir, 'job.json'), JSON.stringify({ command: ['echo', 'hi'], gpu: { count: 2 } }));
    await writeFile(join(dir, 'list.yaml'), '- 1\n- 2\n');

    expect(await readJobFile(join(dir, 'job.yaml'))).toEqual({ image: 'img', gpu: { count: 1 }, maxPricePerGpuHour: '0.5' });
    expect(await readJobFile(join(dir, 'job.json'))).toEqual({ command: ['echo', 'hi'], gpu: { count: 2 } });
    await expect(readJobFile(join(dir, 'list.yaml'))).rejects.toThrow(/must hold an object/);
    await expect(readJobFile(join(dir, 'absent.yaml'))).rejects.toThrow(/ENOENT/);
  });
});
