import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { JobTemplateSchema, type JobTemplate } from '../domain/template.ts';
import type { TemplateCatalogue } from '../ports.ts';

/**
 * The catalogue of job templates: every `*.yaml` under the templates folder, parsed and
 * validated at load (a bad file fails the function's start, and the catalogue test, loudly).
 */
export class YamlTemplateCatalogue implements TemplateCatalogue {
  private readonly templates: ReadonlyMap<string, JobTemplate>;

  constructor(dir: string) {
    const templates = new Map<string, JobTemplate>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort()) {
      const parsed = JobTemplateSchema.safeParse(parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) throw new Error(`templates/${file} is not a valid template: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      if (`${parsed.data.name}.yaml` !== file) throw new Error(`templates/${file} must be named after its template, ${parsed.data.name}.yaml`);
      templates.set(parsed.data.name, parsed.data);
    }
    this.templates = templates;
  }

  get(name: string): JobTemplate | undefined {
    return this.templates.get(name);
  }

  list(): JobTemplate[] {
    return [...this.templates.values()];
  }
}

/** On AWS the CDK bundling step copies templates/ beside the handler (`bundlesTemplates`); from a checkout it is the repository's. */
export const templatesDir = (): string => {
  const shipped = fileURLToPath(new URL('./templates/', import.meta.url));
  return existsSync(shipped) ? shipped : fileURLToPath(new URL('../../../templates/', import.meta.url));
};
