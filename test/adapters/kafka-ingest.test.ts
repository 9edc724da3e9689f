import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Message } from 'kafkajs';
import { kafkaIngestConsuming, RunningApp, startApp } from '../support/app';
import { produce, ReadRecord, testKafka, TopicReader } from '../support/kafka';
import { describeWithServer, KAFKA } from '../support/servers';
import { touchpoints } from '../support/touchpoints';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const keyed = (
  touchpoint: { customerId: string },
  headers: Record<string, string> = {},
): Message => ({
  key: touchpoint.customerId,
  value: JSON.stringify(touchpoint),
  headers,
});

/** The group's committed offset on partition 0 of the topic (-1 when none). */
async function committedOffset(url: string, groupId: string, topic: string): Promise<string> {
  const admin = testKafka(url).admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return partitions.find((partition) => partition.partition === 0)?.offset ?? '-1';
  } finally {
    await admin.disconnect();
  }
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describeWithServer(KAFKA, 'touchpoints from Kafka (the real app, a Kafka broker)', (url) => {
  const topic = `test.touchpoints.${randomUUID()}`;
  const deadLetterTopic = `${topic}.dlq`;
  const groupId = `test-ingest-${randomUUID()}`;
  const environment = {
    KAFKA_INGEST: 'true',
    KAFKA_BROKERS: url,
    KAFKA_INGEST_TOPIC: topic,
    KAFKA_DEAD_LETTER_TOPIC: deadLetterTopic,
    KAFKA_INGEST_GROUP: groupId,
  };
  let running: RunningApp;
  let deadLetters: TopicReader;

  const events = async (app: RunningApp, customerId: string) => {
    const response = await app
      .http()
      .get(`/v1/customers/${customerId}/events`)
      .set('X-Purpose', 'TEST-AUDIT-1');
    return response.status === 404
      ? []
      : (response.body.events as { eventId: string; type: string }[]);
  };

  beforeAll(async () => {
    running = await startApp(environment);
    await kafkaIngestConsuming(running);
    // The app created both topics before consuming; the dead-letter topic is still empty.
    deadLetters = await TopicReader.open(url, [deadLetterTopic]);
  });
  afterAll(async () => {
    await deadLetters.close();
    await running.app.close();
    rmSync(running.dataDir, { recursive: true, force: true });
  });

  const alice = `c-${randomUUID()}`;
  const bob = `c-${randomUUID()}`;
  const stranger = `c-${randomUUID()}`;
  const prospect = touchpoints.prospect(alice);
  const opened = touchpoints.productOpened(alice, 'CUR-1');
  const balance = touchpoints.balance(alice, 'CUR-1', '1250000', '2026-01-07T00:00:00Z');
  const invalid = touchpoints.balance(alice, 'CUR-1', '12.50', '2026-01-08T00:00:00Z');
  // A profile update for a customer never seen: refused, and it carries personal data.
  const rejected = {
    eventId: randomUUID(),
    customerId: stranger,
    type: 'ProfileUpdated',
    occurredAt: '2026-01-09T00:00:00Z',
    data: { fullName: 'Li Wei', phone: '+862155550101', preferredLanguage: 'zh-CN' },
  };
  const malformed = `{"eventId":"${randomUUID()}","customerId":"${alice}","data":{"fullName":"Li Wei"`;
  const bobProspect = touchpoints.prospect(bob);
  // Keyed to bob, so ordered among bob's records, but about alice.
  const misrouted = touchpoints.productOpened(alice, 'SAV-9', '2026-01-10T00:00:00Z', 'savings');

  it('appends valid touchpoints in order, ignores duplicates and dead-letters the rest with reasons', async () => {
    await produce(url, topic, [
      keyed(prospect, { traceparent: '00-trace-1' }),
      keyed(opened),
      { key: alice, value: malformed, headers: { traceparent: '00-trace-2' } },
      keyed(prospect),
      keyed(invalid),
      keyed(rejected),
      keyed(balance),
      keyed(bobProspect),
      { key: bob, value: JSON.stringify(misrouted) },
    ]);

    const stored = await eventually(
      () => events(running, alice),
      (list) => list.length >= 3,
    );
    expect(stored.map((event) => event.eventId)).toEqual([
      prospect.eventId,
      opened.eventId,
      balance.eventId,
    ]);
    expect(
      (
        await eventually(
          () => events(running, bob),
          (list) => list.length >= 1,
        )
      ).map((e) => e.eventId),
    ).toEqual([bobProspect.eventId]);
    expect(
      (
        await running
          .http()
          .get(`/v1/customers/${stranger}/events`)
          .set('X-Purpose', 'TEST-AUDIT-1')
      ).status,
    ).toBe(404);

    const records = await deadLetters.waitFor((all) => all.length >= 4);
    await sleep(300);
    expect(deadLetters.records).toHaveLength(4);
    const reason = (record: ReadRecord) => JSON.parse(record.headers['dlq-reason']);
    const [first, second, third, fourth] = records;

    expect(first.key).toBe(alice);
    // Unreadable, so it may hold anything: no value, only where to find the original.
    expect(first.value).toBeNull();
    expect(first.headers).toMatchObject({
      traceparent: '00-trace-2',
      'dlq-personal-data-removed': 'value',
      'dlq-original-topic': topic,
      'dlq-original-partition': '0',
      'dlq-original-offset': '2',
    });
    expect(reason(first)).toEqual({
      outcome: 'malformed',
      errors: [
        { field: '', rule: 'isJson', message: 'the record value must be a JSON touchpoint' },
      ],
    });

    expect(second.value).toBe(JSON.stringify(invalid));
    expect(second.headers['dlq-personal-data-removed']).toBeUndefined();
    expect(second.headers['dlq-original-offset']).toBe('4');
    expect(reason(second).outcome).toBe('invalid');
    expect(reason(second).errors).toContainEqual(
      expect.objectContaining({ field: 'data.balanceMinor' }),
    );

    expect(third.key).toBe(stranger);
    expect(JSON.parse(third.value!)).toEqual({
      ...rejected,
      data: { preferredLanguage: 'zh-CN' },
    });
    expect(third.headers['dlq-personal-data-removed']).toBe('data.fullName,data.phone');
    expect(reason(third)).toEqual({
      outcome: 'rejected',
      errors: [expect.objectContaining({ rule: 'customer-unknown' })],
    });

    expect(fourth.key).toBe(bob);
    expect(fourth.headers['dlq-original-offset']).toBe('8');
    expect(reason(fourth)).toEqual({
      outcome: 'invalid',
      errors: [expect.objectContaining({ field: 'customerId', rule: 'matchesRecordKey' })],
    });

    // Reasons name fields and rules, never the values sent; no personal data anywhere.
    for (const record of records) {
      expect(record.headers['dlq-reason']).not.toMatch(/Li Wei|12\.50|\+86/);
      expect(`${record.value} ${JSON.stringify(record.headers)}`).not.toMatch(/Li Wei|\+86/);
    }

    expect(
      await eventually(
        () => committedOffset(url, groupId, topic),
        (offset) => offset === '9',
      ),
    ).toBe('9');

    // Counted by channel: appended alice's three and bob's one, the duplicate, and the two the
    // ingest service refused (the malformed and misrouted records never reached it).
    const metrics = (await running.http().get('/metrics').expect(200)).text;
    const counted = (outcome: string) =>
      Number(
        metrics.match(
          new RegExp(
            `^cle_touchpoints_ingested_total\\{channel="kafka",outcome="${outcome}"\\} (\\d+)$`,
            'm',
          ),
        )?.[1],
      );
    expect([
      counted('appended'),
      counted('duplicate'),
      counted('invalid'),
      counted('rejected'),
    ]).toEqual([4, 1, 1, 1]);
  });

  it('after a restart with the same group, goes on from the committed offset: nothing is re-read', async () => {
    await running.app.close();
    const bobOpened = touchpoints.productOpened(bob, 'SAV-1', '2026-01-06T10:00:00Z', 'savings');
    await produce(url, topic, [keyed(bobOpened)]);

    running = await startApp(environment, running.dataDir);

    const bobs = await eventually(
      () => events(running, bob),
      (list) => list.length >= 2,
    );
    expect(bobs.map((event) => event.eventId)).toEqual([bobProspect.eventId, bobOpened.eventId]);
    expect(
      await eventually(
        () => committedOffset(url, groupId, topic),
        (offset) => offset === '10',
      ),
    ).toBe('10');
    expect(await events(running, alice)).toHaveLength(3);
    // Re-reading the first records would have dead-lettered them again.
    await sleep(500);
    expect(deadLetters.records).toHaveLength(4);
  });

  it('dead-letters hostile records with a reason and goes on: never a stuck partition', async () => {
    const carol = `c-${randomUUID()}`;
    const withNul = touchpoints.prospect(carol);
    withNul.data.branchId = 'BR\u0000SH';
    const constructorKey = JSON.stringify(touchpoints.prospect(carol)).replace(
      '"data":{',
      '"data":{"constructor":{"x":1},',
    );
    const deep = JSON.stringify(touchpoints.prospect(carol)).replace(
      /"metadata":\{[^}]*\}/,
      `"metadata":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
    );
    const reusedId = { ...bobProspect, data: { ...bobProspect.data, branchId: 'BR-BJ-002' } };
    const carolProspect = touchpoints.prospect(carol);
    await produce(url, topic, [
      keyed(withNul),
      { key: carol, value: constructorKey },
      { key: carol, value: deep },
      keyed(reusedId),
      keyed(carolProspect),
    ]);

    const stored = await eventually(
      () => events(running, carol),
      (list) => list.length >= 1,
    );
    expect(stored.map((event) => event.eventId)).toEqual([carolProspect.eventId]);
    const records = await deadLetters.waitFor((all) => all.length >= 8);
    const reasons = records.slice(4).map((record) => JSON.parse(record.headers['dlq-reason']));
    expect(reasons).toEqual([
      {
        outcome: 'invalid',
        errors: [expect.objectContaining({ field: 'data.branchId', rule: 'isStorableString' })],
      },
      {
        outcome: 'invalid',
        errors: [expect.objectContaining({ field: 'data.constructor', rule: 'isSafeKey' })],
      },
      { outcome: 'malformed', errors: [expect.objectContaining({ rule: 'maxDepth' })] },
      { outcome: 'rejected', errors: [expect.objectContaining({ rule: 'event-id-reused' })] },
    ]);
    expect(
      await eventually(
        () => committedOffset(url, groupId, topic),
        (offset) => offset === '15',
      ),
    ).toBe('15');
  });
});
