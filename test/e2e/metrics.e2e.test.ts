import { randomUUID } from 'node:crypto';
import { hashApiKey } from '../../src/security/api-keys';
import { RunningApp, startApp } from '../support/app';
import { touchpoints } from '../support/touchpoints';

/** The value of one sample line (`name{labels} value`) of a Prometheus exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** GET /metrics in Prometheus text format: what operators scrape and alert on. */
describe('Prometheus metrics (e2e)', () => {
  let running: RunningApp;
  const scraperKey = `cle_${randomUUID()}`;
  const gatewayKey = `cle_${randomUUID()}`;
  const scrape = async () =>
    (await running.http().get('/metrics').set('authorization', `Bearer ${scraperKey}`).expect(200))
      .text;

  beforeAll(async () => {
    running = await startApp({
      READ_YOUR_WRITES_TIMEOUT_MS: '10000',
      API_KEYS: `prometheus:metrics:${hashApiKey(scraperKey)},gateway:ingest+read:${hashApiKey(gatewayKey)}`,
    });
  });
  afterAll(() => running.close());

  it('counts ingest outcomes and times requests by route template, with no ids in any label', async () => {
    const customerId = `c-${randomUUID()}`;
    const prospect = touchpoints.prospect(customerId);
    const response = await running
      .http()
      .post('/v1/touchpoints')
      .set('authorization', `Bearer ${gatewayKey}`)
      .send({
        touchpoints: [
          prospect,
          prospect,
          touchpoints.balance(customerId, 'CUR-1', '12.50', '2026-01-07T00:00:00Z'),
        ],
      })
      .expect(200);
    await running
      .http()
      .get(`/v1/customers/${customerId}?minPosition=${response.body.position}`)
      .set('authorization', `Bearer ${gatewayKey}`)
      .expect(200);

    const text = await scrape();
    expect(response.headers['content-type']).toContain('application/json');
    expect(sample(text, 'cle_touchpoints_ingested_total{channel="http",outcome="appended"}')).toBe(
      1,
    );
    expect(sample(text, 'cle_touchpoints_ingested_total{channel="http",outcome="duplicate"}')).toBe(
      1,
    );
    expect(sample(text, 'cle_touchpoints_ingested_total{channel="http",outcome="invalid"}')).toBe(
      1,
    );
    expect(
      sample(
        text,
        'cle_http_request_duration_seconds_count{method="GET",route="/v1/customers/:customerId",status="200"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'cle_http_request_duration_seconds_count{method="POST",route="/v1/touchpoints",status="200"}',
      ),
    ).toBe(1);
    expect(text).not.toContain(customerId);
  });

  it('reports projection lag and leadership, and the Kafka ingest state', async () => {
    const text = await scrape();
    expect(sample(text, 'cle_projection_lag_events{projection="customers"}')).toBe(0);
    expect(sample(text, 'cle_projection_leader{projection="customers"}')).toBe(1);
    expect(sample(text, 'cle_kafka_ingest_state{state="disabled"}')).toBe(1);
    // No relay without PUBLISHER=kafka: the series is absent rather than a misleading zero.
    expect(text).toContain('# TYPE cle_relay_consecutive_failures gauge');
    expect(text).not.toMatch(/^cle_relay_consecutive_failures\{/m);
    expect(text).toContain('cle_process_cpu_seconds_total');
  });

  it('needs a key with the metrics role when API keys are configured', async () => {
    await running.http().get('/metrics').expect(401);
    await running.http().get('/metrics').set('authorization', `Bearer ${gatewayKey}`).expect(403);
    const scraped = await running
      .http()
      .get('/metrics')
      .set('authorization', `Bearer ${scraperKey}`)
      .expect(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
  });
});
