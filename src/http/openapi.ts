import { applyDecorators, INestApplication } from '@nestjs/common';
import {
  ApiQuery,
  ApiResponse,
  DocumentBuilder,
  OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import {
  targetConstructorToSchema,
  validationMetadatasToSchemas,
} from 'class-validator-jsonschema';

import { ErrorResponse, FieldErrorResponse } from './errors/error-response';
import ANSWER_SCHEMAS from './responses.schema.json';

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

/** A success answer documented in src/http/responses.ts (schemas derived by openapi:schemas). */
export type AnswerName = keyof typeof ANSWER_SCHEMAS;

/**
 * Declares a route's success answer with the schema derived from its TypeScript type in
 * responses.ts; the controller method is typed to return that type.
 */
export function ApiAnswer(status: number, name: AnswerName, description: string): MethodDecorator {
  return ApiResponse({ status, description, schema: { $ref: `${REF_PREFIX}${name}` } });
}

/**
 * A status a route answers beyond the common ones, with the one error body, e.g. 409 for a
 * rebuild already running.
 */
export function ApiErrorAnswer(status: number, description: string): MethodDecorator {
  return ApiResponse({ status, description, type: ErrorResponse });
}

/** Schemas of every class-validator class of the request side (touchpoints, their payloads). */
function requestSchemas(exclude: readonly string[]): Record<string, SchemaObject> {
  const schemas = validationMetadatasToSchemas({
    refPointerPrefix: REF_PREFIX,
    // @Type(() => Item) tells the item class of nested arrays.
    classTransformerMetadataStorage: defaultMetadataStorage,
  }) as Record<string, SchemaObject>;
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
  const schemas = { ...document.components?.schemas, ...requestSchemas(['Environment']) };
  const clashes = Object.keys(ANSWER_SCHEMAS).filter((name) => name in schemas);
  if (clashes.length > 0) throw new Error(`answer schemas named like request schemas: ${clashes}`);
  // The environment schema is the operator's, not the API's.
  document.components = {
    ...document.components,
    schemas: { ...schemas, ...(ANSWER_SCHEMAS as unknown as Record<string, SchemaObject>) },
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
