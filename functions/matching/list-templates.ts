import { logger } from '#matching/adapters/deps.ts';
import { YamlTemplateCatalogue, templatesDir } from '#matching/adapters/yaml-template-catalogue.ts';
import { templateView } from '#matching/http/mappers.ts';
import { httpRoute, json } from '#platform/http.ts';

const catalogue = new YamlTemplateCatalogue(templatesDir());

/** The catalogue of job templates (templates/*.yaml), for `template` on POST /v1/jobs. */
export const handler = httpRoute(logger, {}, async () => json(200, { items: catalogue.list().map(templateView) }));
