import { randomUUID } from 'node:crypto';
import { SQL_CLIENT } from '../../src/postgres/postgres.module';
import { SqlClient } from '../../src/postgres/sql-client';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

/**
 * A write the store fails is that item's outcome, never a 500 with a partial write: a trigger
 * in the real database fails the appends of chosen customers (as a broken disk or a failover
 * would), the way the store itself reports failures.
 */
describe('ingest when the store fails a write (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp();
    await running.app.get<SqlClient>(SQL_CLIENT).exec(`
      CREATE FUNCTION fail_chosen_streams() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.stream_id LIKE 'customer-broken-%' THEN
          RAISE EXCEPTION 'simulated storage failure' USING ERRCODE = 'XX000';
        END IF;
        IF NEW.stream_id LIKE 'customer-full-%' THEN
          RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER fail_chosen_streams BEFORE INSERT ON es_events
        FOR EACH ROW EXECUTE FUNCTION fail_chosen_streams();`);
  });
  afterAll(() => running?.close());

  const eventsOf = async (customerId: string) => {
    const response = await running
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1');
    return response.status === 200 ? response.body.events : [];
  };

  it('answers a batch per item: the failed customer says failed, the others are stored', async () => {
    const [good, broken, alsoGood] = ['good', 'broken', 'good'].map(
      (kind) => `${kind}-${randomUUID()}`,
    );
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .send({
        touchpoints: [
          touchpoints.prospect(good),
          touchpoints.prospect(broken),
          touchpoints.prospect(alsoGood),
        ],
      })
      .expect(200);
    expect(response.body).toMatchObject({ appended: 2, failed: 1 });
    expect(response.body.results.map((result: { status: string }) => result.status)).toEqual([
      'appended',
      'failed',
      'appended',
    ]);
    expect(response.body.results[1]).toMatchObject({
      index: 1,
      status: 'failed',
      rule: 'storage-unavailable',
    });
    expect(await eventsOf(good)).toHaveLength(1);
    expect(await eventsOf(alsoGood)).toHaveLength(1);
    expect(await eventsOf(broken)).toHaveLength(0);
  });

  it('answers a single touchpoint the store failed with 503, never 500', async () => {
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .send(touchpoints.prospect(`broken-${randomUUID()}`))
      .expect(503);
    expect(response.body).toMatchObject({ status: 'failed', rule: 'storage-unavailable' });
  });

  it('answers a "disk full" from the database with 507, turns unready, and refuses writes for a while', async () => {
    const full = await running
      .http()
      .post('/v1/touchpoints')
      .send(touchpoints.prospect(`full-${randomUUID()}`))
      .expect(507);
    expect(full.body).toMatchObject({ status: 'failed', rule: 'insufficient-storage' });

    const ready = await running.http().get('/health/ready').expect(503);
    expect(ready.body.error.storage.message).toContain('SQLSTATE 53100');
    const next = await running
      .http()
      .post('/v1/touchpoints')
      .send(touchpoints.prospect(`good-${randomUUID()}`))
      .expect(507);
    expect(next.body.message).toContain('writes are refused');
  });
});
