import { z } from 'zod';
import type { RouteDef } from '#infra/topology.ts';
import { routeKey } from '#infra/topology.ts';

/**
 * How one route is described in the OpenAPI document: the very zod objects its handler
 * passes to `httpRoute` (`body`, `query`, `path`), and a zod schema per response status.
 * Nothing here is written as JSON Schema by hand: `z.toJSONSchema` turns them into it.
 */
export interface RouteDescription {
  readonly summary: string;
  readonly description?: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly path?: z.ZodType;
  /** Request headers the route reads besides Authorization. */
  readonly headers?: readonly { readonly name: string; readonly description: string }[];
  readonly responses: Readonly<Record<number, ResponseDescription>>;
}

export interface ResponseDescription {
  readonly description: string;
  /** Absent for an empty response (204). */
  readonly schema?: z.ZodType;
  /** Default `application/json`; e.g. `text/x-shellscript` with a `z.string()` schema. */
  readonly contentType?: string;
}

export type ApiDescription = Readonly<Record<string, RouteDescription>>;

/** The API's error shape (API.md, Conventions), shared by every 4xx and 5xx. */
export const ErrorResponse = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable, machine-readable: validation_failed, not_found, insufficient_funds, ...' }),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional().meta({ description: 'For 400: one entry per bad field.' }),
  }),
});

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const parametersOf = (schema: z.ZodType | undefined, where: 'query' | 'path') => {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input');
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
};

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });

const responsesOf = (route: RouteDef, description: RouteDescription) => {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(description.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema === ErrorResponse ? ERROR_REF : jsonSchema(response.schema, 'output') } } }
        : {}),
    };
  }
  const has = (status: number) => status in description.responses;
  if (!has(400) && (description.body || description.query || description.path)) responses['400'] = errorResponse('A bad field (each named in details) or malformed JSON.');
  if (route.roles !== 'public') {
    if (!has(401)) responses['401'] = errorResponse('No Authorization header, or no valid key in it (code `unauthorized`).');
    if (!has(403)) responses['403'] = errorResponse('A key of a role this route does not admit.');
  }
  if (!has(404) && description.path) responses['404'] = errorResponse('No such resource, or not the caller\'s.');
  if (!has(413) && description.body) responses['413'] = errorResponse('The body is too large.');
  responses['429'] = errorResponse('Throttled.');
  responses['default'] = errorResponse('Any other error, in the same shape.');
  return responses;
};

/** `functions/matching/submit-job.ts` -> `submitJob`. */
const operationIdOf = (route: RouteDef): string =>
  (route.entry.split('/').pop() ?? route.entry).replace(/\.ts$/, '').replace(/-(\w)/g, (_match, letter: string) => letter.toUpperCase());

const operationOf = (route: RouteDef, description: RouteDescription) => ({
  operationId: operationIdOf(route),
  summary: description.summary,
  ...(description.description ? { description: description.description } : {}),
  tags: [route.context],
  ...(route.roles === 'public' ? { security: [] } : { 'x-gpuhive-roles': route.roles }),
  parameters: [
    ...parametersOf(description.path, 'path'),
    ...parametersOf(description.query, 'query'),
    ...(description.headers ?? []).map((header) => ({ name: header.name, in: 'header', required: false, description: header.description, schema: { type: 'string' } })),
  ],
  ...(description.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(description.body, 'input') } } } } : {}),
  responses: responsesOf(route, description),
});

/** Routes of the topology that the description lacks, and described routes the topology does not have. */
export const descriptionGaps = (routes: readonly RouteDef[], description: ApiDescription) => {
  const keys = new Set(routes.map(routeKey));
  return {
    undescribed: routes.map(routeKey).filter((key) => !(key in description)),
    unknown: Object.keys(description).filter((key) => !keys.has(key)),
  };
};

/** The project's licence as the document states it; the repository grants no licence yet. */
const PROJECT_LICENSE = { name: 'UNLICENSED' };

/**
 * The OpenAPI 3.1 document of the routes given (the topology's), from their descriptions.
 * A route without a description is left out; the test of the spec names it.
 */
export const openApiDocument = (routes: readonly RouteDef[], description: ApiDescription, info: { title: string; version: string; description: string }) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const described = description[routeKey(route)];
    if (!described) continue;
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationOf(route, described) };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, license: PROJECT_LICENSE },
    // Relative: each deployment (AWS, `npm start`) serves the API at the root of the host this document comes from.
    servers: [{ url: '/', description: 'The API that serves this document' }],
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (renter, provider, finance, admin) or a host\'s agent token: `Authorization: Bearer <secret>`.' },
      },
      schemas: { Error: jsonSchema(ErrorResponse, 'output') },
    },
  };
};

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
