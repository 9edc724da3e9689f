import Ajv, { ValidateFunction } from 'ajv';
import { SYSTEM_TOUCHPOINT_TYPES } from '../../src/domain/touchpoints';
import { simulateTouchpoints } from '../../src/simulator';
import { RunningApp, startApp } from '../support/app';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

/** Every `$ref` string anywhere under `node`. */
function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => refsIn(item, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

/**
 * The answers the service really gives match the schemas its OpenAPI document declares for
 * them, on a customer base rich enough to fill every part of the 360 (simulated history: products,
 * balances, consents, complaints, RM contacts, stage and tier moves).
 */
describe('OpenAPI answers (e2e)', () => {
  let running: RunningApp;
  let document: Document;
  let ajv: Ajv;
  const validators = new Map<string, ValidateFunction>();
  const customerIds: string[] = [];

  /** The body answered for `path` (as documented) with `status` matches its declared schema. */
  function conforms(path: string, method: string, status: number, body: unknown): void {
    const declared = document.paths[path]?.[method]?.responses[String(status)];
    expect(declared).toBeDefined();
    const schema = declared!.content?.['application/json']?.schema;
    expect(schema).toBeDefined();
    const key = JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/');
    const validate = validators.get(key) ?? ajv.compile(JSON.parse(key));
    validators.set(key, validate);
    if (!validate(body)) {
      throw new Error(
        `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(validate.errors)}`,
      );
    }
  }

  beforeAll(async () => {
    running = await startApp();
    document = (await running.http().get('/docs-json').expect(200)).body;
    // OpenAPI 3.0 schemas: Ajv takes `nullable`; formats and doc-only keywords are not checked.
    ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ components: document.components }, 'doc');

    const sent = [...simulateTouchpoints({ customers: 40, seed: 7, days: 900 })].filter(
      (touchpoint) => !SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type),
    );
    let position = '0';
    for (let start = 0; start < sent.length; start += 200) {
      const { body } = await running
        .http()
        .post('/v1/touchpoints')
        .send({ touchpoints: sent.slice(start, start + 200) })
        .expect(200);
      for (const result of body.results) if (result.position) position = result.position;
    }
    customerIds.push(...new Set(sent.map((touchpoint) => touchpoint.customerId)));
    await running.http().get(`/v1/stats/funnel?minPosition=${position}`).expect(200);
  }, 120_000);
  afterAll(() => running.close());

  it('declares a success answer with a schema on every route, and every schema it names exists', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const success = Object.entries(operation.responses).filter(([status]) =>
          status.startsWith('2'),
        );
        expect([`${method} ${path}`, success.length]).not.toEqual([`${method} ${path}`, 0]);
        if (path.startsWith('/health') || path === '/metrics') continue;
        for (const [status, answer] of success) {
          expect([`${method} ${path} ${status}`, answer.content?.['application/json']]).toEqual([
            `${method} ${path} ${status}`,
            { schema: expect.any(Object) },
          ]);
        }
      }
    }
    const names = new Set(Object.keys(document.components.schemas));
    const dangling = refsIn(document)
      .map((ref) => ref.replace('#/components/schemas/', ''))
      .filter((name) => !names.has(name));
    expect(dangling).toEqual([]);
  });

  it('answers the customer 360, its events and its replay as documented, for every customer', async () => {
    for (const customerId of customerIds) {
      const customer = await running.http().get(`/v1/customers/${customerId}`).expect(200);
      conforms('/v1/customers/{customerId}', 'get', 200, customer.body);
      const events = await running
        .http()
        .get(`/v1/customers/${customerId}/events?limit=5`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      conforms('/v1/customers/{customerId}/events', 'get', 200, events.body);
      const replay = await running
        .http()
        .get(`/v1/customers/${customerId}/replay`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      conforms('/v1/customers/{customerId}/replay', 'get', 200, replay.body);
    }
  });

  it('answers audiences, stats and the feed as documented', async () => {
    const audience = await running.http().get('/v1/customers?limit=7&sort=churnRisk').expect(200);
    expect(audience.body.nextCursor).toBeDefined();
    conforms('/v1/customers', 'get', 200, audience.body);
    for (const stat of ['funnel', 'tiers', 'coverage']) {
      const { body } = await running.http().get(`/v1/stats/${stat}`).expect(200);
      conforms(`/v1/stats/${stat}`, 'get', 200, body);
    }
    const transitions = await running
      .http()
      .get('/v1/stats/transitions?from=2022-01-01T00:00:00Z&to=2030-01-01T00:00:00Z')
      .expect(200);
    expect(transitions.body.total).toBeGreaterThan(0);
    conforms('/v1/stats/transitions', 'get', 200, transitions.body);
    const feed = await running.http().get('/v1/feed?limit=50').expect(200);
    expect(feed.body.messages.length).toBe(50);
    conforms('/v1/feed', 'get', 200, feed.body);
  });

  it('answers the admin routes as documented, a second rebuild with the declared 409', async () => {
    for (const path of ['/v1/admin/projections', '/v1/admin/publisher', '/v1/admin/ingest']) {
      const { body } = await running.http().get(path).expect(200);
      conforms(path, 'get', 200, body);
    }
    const run = await running.http().post('/v1/admin/scheduler/run').expect(200);
    conforms('/v1/admin/scheduler/run', 'post', 200, run.body);
    // Sent together, so the first cannot finish before the second arrives: one runs, one is refused.
    const [rebuild, again] = (
      await Promise.all([
        running.http().post('/v1/admin/projections/customers/rebuild'),
        running.http().post('/v1/admin/projections/customers/rebuild'),
      ])
    ).sort((a, b) => a.status - b.status);
    expect([rebuild.status, again.status]).toEqual([202, 409]);
    conforms('/v1/admin/projections/{name}/rebuild', 'post', 202, rebuild.body);
    conforms('/v1/admin/projections/{name}/rebuild', 'post', 409, again.body);
    const during = await running.http().get('/v1/admin/projections').expect(200);
    conforms('/v1/admin/projections', 'get', 200, during.body);
  });

  it('holds answers to the schema strictly: a field the type does not name, or a wrong type, fails', async () => {
    const { body } = await running.http().get(`/v1/customers/${customerIds[0]}`).expect(200);
    expect(() => conforms('/v1/customers/{customerId}', 'get', 200, { ...body, extra: 1 })).toThrow(
      /must NOT have additional properties/,
    );
    const wrongType = { ...body, lifecycle: { ...body.lifecycle, stage: 7 } };
    expect(() => conforms('/v1/customers/{customerId}', 'get', 200, wrongType)).toThrow();
    const withNull = { ...body, lifecycle: { ...body.lifecycle, stage: null } };
    expect(() => conforms('/v1/customers/{customerId}', 'get', 200, withNull)).not.toThrow();
  });

  it('answers its errors in the declared error shape', async () => {
    const missing = await running.http().get(`/v1/customers/c-nobody`).expect(404);
    conforms('/v1/customers/{customerId}', 'get', 404, missing.body);
    const bad = await running.http().get('/v1/customers?limit=0').expect(400);
    conforms('/v1/customers', 'get', 400, bad.body);
  });
});
