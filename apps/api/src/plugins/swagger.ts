// OpenAPI document built from the route schemas, served as JSON at /docs/json and browsable at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifySchema } from 'fastify';
import { ERROR_EXAMPLES, MEDIA_EXAMPLES, SUCCESS_EXAMPLES } from './openapi-examples.ts';
import { isOpenRoute } from '../auth/plugin.ts';
import fp from 'fastify-plugin';

export const swaggerPlugin = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      // 3.1: the schemas are JSON Schema as TypeBox writes it (nullable fields are anyOf [T, null]).
      openapi: '3.1.0',
      info: {
        title: 'slmlab API',
        version: '1',
        description:
          'Submit small-language-model training experiments (a spec: data set, model, training settings), ' +
          'follow them through the queue, and read their learning curves, results and checkpoints. ' +
          'Errors always have the shape { error: { code, message, issues? } }.',
      },
      tags: [
        { name: 'experiments', description: 'submit, read and list experiments; export one as a file, import one' },
        { name: 'sweeps', description: 'grids of experiments: expand, follow, retry, cancel, tabulate' },
        { name: 'checkpoints', description: 'list and download model checkpoints' },
        { name: 'workers', description: 'the queue and its workers: what waits, runs and failed, who trains what' },
        { name: 'health', description: 'liveness and readiness probes' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token (`npm run token -- create`), needed when the server runs with SLMLAB_AUTH=on: ' +
              'scope `write` for POST/PUT/PATCH/DELETE, `read` for GET unless SLMLAB_AUTH_OPEN_READS (default true).',
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    // Probes and /docs need no token (auth/plugin.ts): `security: []` says so in the document.
    transform: ({ schema, url, route }) => {
      const documented = withExamples(forClients(schema), `${[route.method].flat()[0]} ${url}`);
      return { schema: isOpenRoute(url) && documented ? { ...documented, security: [] } : documented, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}, { name: 'swagger' });

/**
 * TypeBox lists fields that have a default as required (they are present once defaults are filled), but a client
 * may omit them: in the document, request bodies and query strings mark them optional.
 */
function forClients(schema: FastifySchema): FastifySchema {
  if (!schema) return schema;
  const { body, querystring } = schema;
  return {
    ...schema,
    ...(body === undefined ? {} : { body: optionalDefaults(body) }),
    ...(querystring === undefined ? {} : { querystring: optionalDefaults(querystring) }),
  };
}

/** A deep copy of a JSON schema in which no property with a default is required. */
function optionalDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(optionalDefaults);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'default' || key === 'examples' ? value : optionalDefaults(value);
  }
  const properties = copy['properties'] as Record<string, { default?: unknown }> | undefined;
  if (properties && Array.isArray(copy['required'])) {
    const required = copy['required'].filter((name: string) => properties[name]?.default === undefined);
    if (required.length) copy['required'] = required;
    else delete copy['required'];
  }
  return copy;
}

/**
 * Adds an example to every response of the route (plugins/openapi-examples.ts) on copies, so that the schemas Fastify
 * serialises with stay as they are. A response with `content` gets one per media type.
 */
function withExamples(schema: FastifySchema, route: string): FastifySchema {
  const responses = schema?.response as Record<string, Record<string, unknown>> | undefined;
  if (!responses) return schema;
  const out: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(responses)) {
    const content = response['content'] as Record<string, { schema: object }> | undefined;
    if (content) {
      const byType = MEDIA_EXAMPLES[route]?.[Number(status)] ?? {};
      const media = Object.entries(content).map(([type, m]) => [type, byType[type] === undefined ? m : { ...m, example: byType[type] }]);
      out[status] = { ...response, content: Object.fromEntries(media) };
    } else {
      const example = SUCCESS_EXAMPLES[route]?.[Number(status)] ?? ERROR_EXAMPLES[Number(status)];
      out[status] = example === undefined ? response : { ...response, examples: [example] };
    }
  }
  return { ...schema, response: out };
}
