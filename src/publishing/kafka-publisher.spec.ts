import { Producer, ProducerBatch } from 'kafkajs';
import { KafkaPublisher, toKafkaMessage } from './kafka-publisher';
import { CLOUDEVENTS_SOURCE, OutboundMessage, TOPICS } from '../outbox/outbound-message';

const message = (n: number, overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: `event-${n}`,
  topic: TOPICS.touchpoints,
  customerId: `c-${n % 2}`,
  type: 'bank.crm.touchpoint.ChannelInteraction.v2',
  time: '2026-01-05T09:00:00.000Z',
  sequence: String(n).padStart(21, '0'),
  data: { n },
  ...overrides,
});

/** 300 KB of data: two of them exceed one request's budget. */
const large = (n: number) => message(n, { data: { n, padding: 'x'.repeat(300_000) } });

/** A kafkajs producer that records each sendBatch and fails the calls it is told to. */
function fakeProducer(failCalls: number[] = []) {
  const requests: { topic: string; ids: string[] }[][] = [];
  let calls = 0;
  const producer = {
    sendBatch: async (batch: ProducerBatch) => {
      calls++;
      if (failCalls.includes(calls)) throw new Error('broker unavailable');
      requests.push(
        (batch.topicMessages ?? []).map(({ topic, messages }) => ({
          topic,
          ids: messages.map((record) => String(record.headers?.ce_id)),
        })),
      );
      expect(batch.acks).toBe(-1);
      return [];
    },
    disconnect: async () => undefined,
  };
  return { producer: producer as unknown as Producer, requests };
}

describe('KafkaPublisher', () => {
  it('encodes a message as a CloudEvents 1.0 binary-mode record keyed by customer', () => {
    const record = toKafkaMessage(message(7));
    expect(record.key).toBe('c-1');
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'event-7',
      ce_source: CLOUDEVENTS_SOURCE,
      ce_type: 'bank.crm.touchpoint.ChannelInteraction.v2',
      ce_time: '2026-01-05T09:00:00.000Z',
      ce_subject: 'c-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(record.value))).toEqual({ n: 7 });
  });

  it('sends a small batch as one request, grouped by topic, in the given order within each', async () => {
    const { producer, requests } = fakeProducer();
    await new KafkaPublisher(producer).publish([
      message(1),
      message(2, { topic: TOPICS.lifecycle }),
      message(3),
      message(4, { topic: TOPICS.lifecycle }),
    ]);
    expect(requests).toEqual([
      [
        { topic: TOPICS.touchpoints, ids: ['event-1', 'event-3'] },
        { topic: TOPICS.lifecycle, ids: ['event-2', 'event-4'] },
      ],
    ]);
  });

  it('splits a batch over the request budget into ordered requests', async () => {
    const { producer, requests } = fakeProducer();
    await new KafkaPublisher(producer).publish([large(1), large(2), message(3), large(4)]);
    expect(requests.map((request) => request[0].ids)).toEqual([
      ['event-1'],
      ['event-2', 'event-3'],
      ['event-4'],
    ]);
  });

  it('given a batch failed after its first request was acknowledged, then its retry resumes at the failed request', async () => {
    const { producer, requests } = fakeProducer([2]);
    const publisher = new KafkaPublisher(producer);
    const batch = [large(1), large(2), large(3)];

    await expect(publisher.publish(batch)).rejects.toThrow('broker unavailable');
    await publisher.publish(batch);

    expect(requests.map((request) => request[0].ids)).toEqual([
      ['event-1'],
      ['event-2'],
      ['event-3'],
    ]);
  });

  it('given a failed batch, then another batch is sent whole, and so is a batch that failed at its first request', async () => {
    const { producer, requests } = fakeProducer([2, 5]);
    const publisher = new KafkaPublisher(producer);

    await expect(publisher.publish([large(1), large(2)])).rejects.toThrow();
    await publisher.publish([large(5), large(6)]);
    await expect(publisher.publish([large(7)])).rejects.toThrow();
    await publisher.publish([large(7)]);

    expect(requests.map((request) => request[0].ids)).toEqual([
      ['event-1'],
      ['event-5'],
      ['event-6'],
      ['event-7'],
    ]);
  });
});
