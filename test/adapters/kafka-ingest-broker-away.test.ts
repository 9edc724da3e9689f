import { randomUUID } from 'node:crypto';
import { kafkaIngestConsuming, RunningApp, startApp } from '../support/app';
import { OwnKafkaBroker, produce } from '../support/kafka';
import { describeWithServer, KAFKA } from '../support/servers';
import { touchpoints } from '../support/touchpoints';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The service starts and serves while the broker it ingests from is away, says so, and starts
 * consuming once the broker is there. The broker is one of the test's own (the shared one gates
 * the suite), so stopping it cannot fail suites running beside it.
 */
describeWithServer(KAFKA, 'Kafka ingest while the broker is away (the real app)', () => {
  let broker: OwnKafkaBroker;
  let running: RunningApp | undefined;
  beforeAll(async () => {
    broker = await OwnKafkaBroker.start();
  }, 90_000);
  afterAll(async () => {
    await running?.close();
    await broker?.destroy();
  }, 60_000);

  it('starts without the broker, reports it, and consumes once the broker comes', async () => {
    const topic = `test.touchpoints.${randomUUID()}`;
    await broker.stop();

    running = await startApp({
      KAFKA_INGEST: 'true',
      KAFKA_BROKERS: broker.url,
      KAFKA_INGEST_TOPIC: topic,
      KAFKA_DEAD_LETTER_TOPIC: `${topic}.dlq`,
      KAFKA_INGEST_GROUP: `test-ingest-${randomUUID()}`,
    });
    const app = running;

    // Serving HTTP, the HTTP ingest included, and telling operators what the Kafka ingest waits for.
    const customerId = `c-${randomUUID()}`;
    await app.http().post('/v1/touchpoints').send(touchpoints.prospect(customerId)).expect(201);
    let status = (await app.http().get('/v1/admin/ingest').expect(200)).body.kafka;
    for (let tries = 0; status.failedAttempts === 0 && tries < 200; tries++) {
      await sleep(100);
      status = (await app.http().get('/v1/admin/ingest').expect(200)).body.kafka;
    }
    expect(status).toMatchObject({ state: 'connecting', topic });
    expect(status.failedAttempts).toBeGreaterThan(0);
    expect(status.lastError.message).toEqual(expect.any(String));

    await broker.restart();
    await kafkaIngestConsuming(app, 60_000);
    const opened = touchpoints.productOpened(customerId, 'CUR-1');
    await produce(broker.url, topic, [{ key: customerId, value: JSON.stringify(opened) }]);

    const deadline = Date.now() + 20_000;
    let ids: string[] = [];
    while (ids.length < 2 && Date.now() < deadline) {
      const { body } = await app
        .http()
        .get(`/v1/customers/${customerId}/events`)
        .set('X-Purpose', 'TEST-AUDIT-1')
        .expect(200);
      ids = body.events.map((event: { eventId: string }) => event.eventId);
      if (ids.length < 2) await sleep(100);
    }
    expect(ids[1]).toBe(opened.eventId);
    expect((await app.http().get('/v1/admin/ingest').expect(200)).body.kafka).toMatchObject({
      state: 'consuming',
      failedAttempts: 0,
    });
  }, 120_000);
});
