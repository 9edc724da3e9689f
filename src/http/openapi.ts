import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiQuery, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import {
  targetConstructorToSchema,
  validationMetadatasToSchemas,
} from 'class-validator-jsonschema';

import { ErrorResponse, FieldErrorResponse } from './error-response';

export const OPENAPI_PATH = 'docs';
const REF_PREFIX = '#/components/schemas/';

/**
 * Documents a query-parameter class (the class-validator class the handler parses its query
 * with) as one OpenAPI query parameter per property: the rules in the docs are the rules
 * enforced, from one source.
 */
export function ApiQueryFrom(params: new () => object): MethodDecorator {
  const schema = targetConstructorToSchema(params);
  const required = new Set(schema.required ?? []);
  return applyDecorators(
    ...Object.entries(schema.properties ?? {}).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property as SchemaObject }),
    ),
  );
}

/** Schemas of every class-validator class of the request side (touchpoints, their payloads). */
function requestSchemas(exclude: readonly string[]): Record<string, SchemaObject> {
  const schemas = validationMetadatasToSchemas({ refPointerPrefix: REF_PREFIX }) as Record<
    string,
    SchemaObject
  >;
  for (const name of Object.keys(schemas)) {
    // Query-parameter classes are documented as parameters (ApiQueryFrom).
    if (exclude.includes(name) || name.endsWith('Params')) delete schemas[name];
  }
  return schemas;
}

export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Customer-lifecycle engine')
    .setDescription(
      'Touchpoints in, customer lifecycle stage, value tier, churn risk and RM coverage out. ' +
        'A touchpoint envelope (TouchpointDto) carries `data` of its type and version: see ' +
        'the schema named after both, e.g. ProspectCapturedV1. Bad input is answered 4xx with ' +
        '`errors: [{field, rule, message}]`.',
    )
    .setVersion('v1')
    // API_KEYS set: every route but /health needs `Authorization: Bearer <key>` with its role.
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponse, FieldErrorResponse],
  });
  declareErrorAnswers(document);
  document.components = {
    ...document.components,
    // The environment schema is the operator's, not the API's.
    schemas: { ...document.components?.schemas, ...requestSchemas(['Environment']) },
  };
  return document;
}

/** Error answers any route may give, beyond those its controller declares. */
const COMMON_ERRORS: Record<string, string> = {
  '400': 'bad input: a path segment, query parameter or the body breaks a rule named in errors[]',
  '401': 'no API key, or an unknown one (when API_KEYS is set)',
  '403': 'the API key lacks the role the route needs',
  '503': 'a store is unavailable, or the read models are not there yet: retry',
};
const WRITE_ERRORS: Record<string, string> = {
  '413': 'body over INGEST_MAX_BODY_BYTES',
  '415': 'not application/json',
  '507': "writes refused: the data volume is below its reserve, or the database's disk is full",
};

/**
 * Every operation declares the error answers it can give, with the one error body
 * (ErrorResponse), so clients and fuzzers can check answers against the document. The health
 * probes answer in terminus's own shape and keep their own declarations.
 */
function declareErrorAnswers(document: OpenAPIObject): void {
  const errorBody = { 'application/json': { schema: { $ref: `${REF_PREFIX}ErrorResponse` } } };
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/health') || path === '/metrics') continue;
    for (const [method, operation] of Object.entries(item) as [string, OperationLike][]) {
      if (!operation?.responses) continue;
      const errors = {
        ...COMMON_ERRORS,
        ...(path.includes('{') ? { '404': 'no such resource' } : {}),
        ...(method === 'post' ? WRITE_ERRORS : {}),
      };
      for (const [status, description] of Object.entries(errors)) {
        const declared = operation.responses[status];
        if (!declared) operation.responses[status] = { description, content: errorBody };
        else declared.content ??= errorBody;
      }
    }
  }
}

interface OperationLike {
  responses?: Record<string, { description: string; content?: Record<string, unknown> }>;
}

/** Serves the OpenAPI document at /docs-json and Swagger UI at /docs. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_PATH, app, openApiDocument(app));
}
