import { describe, expect, it } from 'vitest';
import { YamlTemplateCatalogue, templatesDir } from '#matching/adapters/yaml-template-catalogue.ts';
import { expandTemplate, JobTemplateSchema, type JobTemplate } from '#matching/domain/template.ts';

const catalogue = new YamlTemplateCatalogue(templatesDir());
const template = (name: string) => catalogue.get(name) as JobTemplate;
const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('the template catalogue (templates/*.yaml)', () => {
  it('holds the five curated templates, each valid, with its image pinned by digest', () => {
    expect(catalogue.list().map((t) => t.name).sort()).toEqual(['cuda', 'ollama', 'pytorch-jupyter', 'ssh-base', 'vllm']);
    for (const each of catalogue.list()) {
      expect(JobTemplateSchema.safeParse(each).success).toBe(true);
      expect(each.image).toMatch(/@sha256:[a-f0-9]{64}$/);
      expect(each.gpu.minVramMb).toBeGreaterThanOrEqual(1024);
    }
  });

  it('gives the interactive templates their ports and the renter\'s fields as required or generated env', () => {
    expect(template('pytorch-jupyter').ports).toEqual([{ name: 'jupyter', containerPort: 8888, protocol: 'http' }]);
    expect(template('pytorch-jupyter').env.JUPYTER_TOKEN?.generate).toBe('token');
    expect(template('vllm').env.MODEL?.required).toBe(true);
    expect(template('ssh-base').ports[0]).toMatchObject({ protocol: 'tcp' });
    expect(template('ollama').ports[0]).toMatchObject({ containerPort: 11434, protocol: 'http' });
  });
});

describe('JobTemplateSchema', () => {
  const base = { name: 'demo', version: 1, title: 'Demo', description: 'A demo.', image: `docker.io/acme/demo@${DIGEST}`, gpu: { minVramMb: 8000 }, maxDurationSeconds: 3600 };
  const issues = (input: unknown) => {
    const parsed = JobTemplateSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('refuses an image pinned by tag only', () => {
    expect(issues({ ...base, image: 'docker.io/acme/demo:latest' })).toEqual([expect.stringMatching(/^image: must be pinned by digest/)]);
  });

  it('refuses env that is both required and defaulted, and a command naming env the template lacks', () => {
    expect(issues({ ...base, env: { A: { description: 'a', value: 'x', required: true } } })).toEqual(['env.A: give exactly one of value, required: true or generate: token']);
    expect(issues({ ...base, command: ['run', '${NOPE}'] })).toEqual(['command.1: ${NOPE} names no env of the template']);
  });
});

describe('expandTemplate', () => {
  const token = () => 'generated-token-123';

  it('names each required env left unfilled', () => {
    expect(expandTemplate(template('vllm'), { env: {} }, token)).toEqual({ kind: 'invalid', issues: [{ field: 'env.MODEL', message: expect.stringContaining('the vllm template needs it') }] });
    expect(expandTemplate(template('vllm'), { env: { MODEL: '' } }, token).kind).toBe('invalid');
  });

  it('fills ${NAME} in the command from the env', () => {
    const expansion = expandTemplate(template('cuda'), { env: { COMMAND: 'nvidia-smi && python3 train.py' } }, token);

    expect(expansion.kind === 'expanded' && expansion.job.command).toEqual(['sh', '-c', 'nvidia-smi && python3 train.py']);
  });

  it('fills the command from env, keeps defaults the renter did not override, and passes the renter\'s other env on', () => {
    const expansion = expandTemplate(template('vllm'), { env: { MODEL: 'Qwen/Qwen2.5-7B-Instruct', HF_TOKEN: 'hf_x', EXTRA: '1' } }, token);

    expect(expansion.kind === 'expanded' && expansion.job).toMatchObject({
      image: template('vllm').image,
      command: ['--model', 'Qwen/Qwen2.5-7B-Instruct', '--host', '0.0.0.0', '--port', '8000'],
      env: { MODEL: 'Qwen/Qwen2.5-7B-Instruct', HF_TOKEN: 'hf_x', EXTRA: '1' },
      ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }],
      gpu: { count: 1, minVramMb: 24000 },
      maxDurationSeconds: 14400,
      generated: [],
      template: { name: 'vllm', version: 1 },
    });
  });

  it('generates a secret per job unless given, and records that it did', () => {
    const expansion = expandTemplate(template('pytorch-jupyter'), { env: {} }, token);
    const given = expandTemplate(template('pytorch-jupyter'), { env: { JUPYTER_TOKEN: 'mine-mine-mine' } }, token);

    expect(expansion.kind === 'expanded' && [expansion.job.env.JUPYTER_TOKEN, expansion.job.generated, expansion.job.command]).toEqual(['generated-token-123', ['JUPYTER_TOKEN'], undefined]);
    expect(given.kind === 'expanded' && [given.job.env.JUPYTER_TOKEN, given.job.generated]).toEqual(['mine-mine-mine', []]);
  });

  it('takes the higher GPU floor and the renter\'s count, models and duration', () => {
    const expansion = expandTemplate(template('ollama'), { env: {}, gpu: { count: 2, models: ['RTX 4090'], minVramMb: 4000 }, maxDurationSeconds: 600 }, token);
    const higher = expandTemplate(template('ollama'), { env: {}, gpu: { count: 1, minVramMb: 40000 } }, token);

    expect(expansion.kind === 'expanded' && [expansion.job.gpu, expansion.job.maxDurationSeconds]).toEqual([{ count: 2, models: ['RTX 4090'], minVramMb: 8000 }, 600]);
    expect(higher.kind === 'expanded' && higher.job.gpu.minVramMb).toBe(40000);
  });
});
