import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiQuery, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import {
  targetConstructorToSchema,
  validationMetadatasToSchemas,
} from 'class-validator-jsonschema';

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
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    // The environment schema is the operator's, not the API's.
    schemas: { ...document.components?.schemas, ...requestSchemas(['Environment']) },
  };
  return document;
}

/** Serves the OpenAPI document at /docs-json and Swagger UI at /docs. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_PATH, app, openApiDocument(app));
}
