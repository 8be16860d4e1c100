import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteDef } from '#infra/topology.ts';
import { descriptionGaps, ErrorResponse, openApiDocument, type ApiDescription } from '#platform/openapi.ts';
import { usdField } from '#platform/money.ts';

const route = (method: RouteDef['method'], path: string, roles: RouteDef['roles'], entry: string): RouteDef => ({ method, path, roles, entry: `functions/things/${entry}.ts`, context: 'matching' });
const routes = [
  route('POST', '/v1/things/{thingId}', ['renter'], 'update-thing'),
  route('GET', '/v1/things', 'public', 'list-things'),
  route('GET', '/install.sh', 'public', 'serve-installer'),
];
const description: ApiDescription = {
  'POST /v1/things/{thingId}': {
    summary: 'Update a thing',
    path: z.object({ thingId: z.string().min(1) }),
    body: z.strictObject({ price: usdField, note: z.string().optional() }),
    responses: { 200: { description: 'The thing', schema: z.object({ thingId: z.string(), price: z.string() }) }, 409: { description: 'Conflict', schema: ErrorResponse } },
  },
  'GET /v1/things': { summary: 'Things', query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), tag: z.string() }), responses: { 200: { description: 'Things' } } },
  'GET /install.sh': { summary: 'The installer', responses: { 200: { description: 'A shell script', schema: z.string(), contentType: 'text/x-shellscript' } } },
};

const info = { title: 'test', version: '1', description: 'test' };

describe('openApiDocument', () => {
  const document = openApiDocument(routes, description, info) as any;
  const update = document.paths['/v1/things/{thingId}'].post;
  const list = document.paths['/v1/things'].get;

  it('names each operation after its handler and tags it with its context', () => {
    expect(update.operationId).toBe('updateThing');
    expect(update.tags).toEqual(['matching']);
  });

  it('turns path and query schemas into parameters, required as the schema says', () => {
    expect(update.parameters).toEqual([{ name: 'thingId', in: 'path', required: true, schema: { type: 'string', minLength: 1 } }]);
    expect(list.parameters.map((parameter: any) => [parameter.name, parameter.required])).toEqual([['limit', false], ['tag', true]]);
  });

  it('describes the body as the client sends it: money as a string or number, unknown fields refused', () => {
    const body = update.requestBody.content['application/json'].schema;
    expect(body.properties.price).toMatchObject({ type: ['string', 'number'], description: expect.stringContaining('USD') });
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(['price']);
  });

  it('adds the error responses a route can give, each in the one error shape', () => {
    expect(Object.keys(update.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '429', 'default']);
    expect(update.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(update['x-gpuhive-roles']).toEqual(['renter']);
    expect(document.components.schemas.Error.required).toEqual(['error']);
  });

  it('marks public routes as needing no key, and keeps non-JSON media types', () => {
    expect(list.security).toEqual([]);
    expect(list.responses['401']).toBeUndefined();
    expect(document.paths['/install.sh'].get.responses['200'].content).toEqual({ 'text/x-shellscript': { schema: { type: 'string' } } });
  });
});

describe('openApiDocument: what an OpenAPI linter asks of the document', () => {
  const document = openApiDocument(routes, description, info) as any;

  it('names the servers (relative: the API that serves the document) and a licence', () => {
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(document.info.license).toEqual({ name: expect.stringMatching(/\S/) });
  });
});

describe('descriptionGaps', () => {
  it('names routes without a description and descriptions without a route', () => {
    const gaps = descriptionGaps([...routes, route('GET', '/v1/new', ['renter'], 'new-thing')], { ...description, 'GET /v1/gone': { summary: 'gone', responses: {} } });

    expect(gaps).toEqual({ undescribed: ['GET /v1/new'], unknown: ['GET /v1/gone'] });
  });
});
