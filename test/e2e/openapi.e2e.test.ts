import { LIFECYCLE_STAGES } from '../../projections';
import { allSchemas, TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { RunningApp, startApp } from '../support/app';

interface ExpressLayer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
}

/** Every route the running app answers, as "METHOD /openapi/{path}", the docs' own excluded. */
function servedRoutes(running: RunningApp): string[] {
  const express = running.app.getHttpAdapter().getInstance() as {
    router: { stack: ExpressLayer[] };
  };
  return (
    express.router.stack
      .flatMap(({ route }) =>
        route
          ? Object.keys(route.methods).map(
              (method) => `${method.toUpperCase()} ${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`,
            )
          : [],
      )
      // Swagger UI's own routes, and middleware bound to every path (request logging).
      .filter((route) => !/ \/docs/.test(route) && !route.endsWith(' /{*path}'))
      .sort()
  );
}

/** The OpenAPI document at /docs-json describes the API the app serves, from its own rules. */
describe('OpenAPI document (e2e)', () => {
  let running: RunningApp;
  let document: {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: {
            name: string;
            in: string;
            required: boolean;
            schema: Record<string, unknown>;
          }[];
          tags?: string[];
        }
      >
    >;
    components: {
      schemas: Record<
        string,
        { required?: string[]; properties?: Record<string, Record<string, unknown>> }
      >;
    };
  };

  beforeAll(async () => {
    running = await startApp();
    document = (await running.http().get('/docs-json').expect(200)).body;
  });
  afterAll(() => running.close());

  const parameters = (path: string, method = 'get') =>
    Object.fromEntries(
      (document.paths[path][method].parameters ?? []).map((parameter) => [
        parameter.name,
        parameter,
      ]),
    );

  it('lists every route the app serves, each with a tag, and nothing else', () => {
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const served = servedRoutes(running);
    expect(served.length).toBeGreaterThan(10);
    expect(documented).toEqual(served);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(operation.tags?.length).toBe(1);
    }
  });

  it('documents query parameters with the rules the handlers enforce', () => {
    const list = parameters('/v1/customers');
    expect(list.stage).toMatchObject({
      in: 'query',
      required: false,
      schema: { enum: [...LIFECYCLE_STAGES] },
    });
    expect(list.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(Object.keys(list)).toEqual(
      expect.arrayContaining([
        'tier',
        'branch',
        'rm',
        'minChurnRisk',
        'maxChurnRisk',
        'minPosition',
        'cursor',
        'sort',
      ]),
    );
    expect(parameters('/v1/customers/{customerId}/replay')).toMatchObject({
      customerId: { in: 'path', required: true },
      asOf: { in: 'query', required: false },
      asOfPosition: { in: 'query', required: false },
    });
    expect(parameters('/v1/feed').topic.schema.enum).toEqual([
      'crm.customer-lifecycle.v1',
      'crm.customer-value-tier.v1',
      'crm.customer-touchpoints.v1',
      'crm.audit-checkpoints.v1',
    ]);
    expect(parameters('/v1/stats/transitions')).toHaveProperty('from');
  });

  it('has the touchpoint envelope and a payload schema for every type and version of the catalog', () => {
    const envelope = document.components.schemas.TouchpointDto;
    expect(envelope.required).toEqual(
      expect.arrayContaining(['eventId', 'customerId', 'type', 'occurredAt', 'data']),
    );
    expect(envelope.properties!.type.enum).toEqual(TOUCHPOINT_TYPES);
    for (const schema of allSchemas()) {
      expect(document.components.schemas).toHaveProperty(schema.payload.name);
    }
    expect(
      Object.keys(document.components.schemas).filter((name) => name.endsWith('Params')),
    ).toEqual([]);
  });

  it('serves Swagger UI at /docs', async () => {
    const page = await running.http().get('/docs').redirects(1).expect(200);
    expect(page.text).toContain('swagger-ui');
  });
});
