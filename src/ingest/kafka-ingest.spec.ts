import { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { IngestReport, ItemResult } from './ingest.service';
import { consumeBatch, settle, Settlement } from './kafka-ingest';

const record = (offset: number, value: string | null): KafkaMessage => ({
  key: Buffer.from('c-1'),
  value: value === null ? null : Buffer.from(value),
  timestamp: '0',
  attributes: 0,
  offset: String(offset),
  headers: {},
});

const touchpoint = (eventId: string) => JSON.stringify({ eventId });

/** An ingest service answering each item by its eventId, through `answer`. */
const ingestAnswering = (answer: (eventId: string) => ItemResult['status']) => {
  const calls: string[][] = [];
  return {
    calls,
    ingest: async (items: readonly unknown[]): Promise<IngestReport> => {
      const ids = items.map((item) => (item as { eventId: string }).eventId);
      calls.push(ids);
      return {
        results: ids.map((eventId, index): ItemResult => {
          const status = answer(eventId);
          if (status === 'invalid') {
            return {
              index,
              eventId,
              status,
              errors: [{ field: 'data.balanceMinor', rule: 'matches', message: 'must be digits' }],
            };
          }
          if (status === 'rejected') {
            return {
              index,
              eventId,
              status,
              rule: 'customer-unknown',
              message: 'no such customer',
              field: 'customerId',
            };
          }
          if (status === 'conflict') return { index, eventId, status, message: 'busy' };
          if (status === 'duplicate') return { index, eventId, status, revision: 0 };
          return { index, eventId, status: 'appended', revision: 0, position: 1n };
        }),
      };
    },
  };
};

describe('settle (Kafka records to the ingest service)', () => {
  it('given good, duplicate, malformed, invalid and rejected records, then all are settled and the bad ones dead-lettered with reasons', async () => {
    const ingest = ingestAnswering((id) =>
      id === 'dup' ? 'duplicate' : id === 'bad' ? 'invalid' : id === 'no' ? 'rejected' : 'appended',
    );
    const messages = [
      record(10, touchpoint('a')),
      record(11, '{"eventId": '),
      record(12, touchpoint('dup')),
      record(13, null),
      record(14, touchpoint('bad')),
      record(15, touchpoint('no')),
      record(16, touchpoint('b')),
    ];

    const outcome = await settle(ingest, messages);

    expect(ingest.calls).toEqual([['a', 'dup', 'bad', 'no', 'b']]);
    expect(outcome.settled).toBe(7);
    expect(outcome.blocked).toBeUndefined();
    expect(
      outcome.deadLetters.map(({ message, reason }) => [message.offset, reason.outcome]),
    ).toEqual([
      ['11', 'malformed'],
      ['13', 'malformed'],
      ['14', 'invalid'],
      ['15', 'rejected'],
    ]);
    expect(outcome.deadLetters[0].reason.errors).toEqual([
      { field: '', rule: 'isJson', message: 'the record value must be a JSON touchpoint' },
    ]);
    expect(outcome.deadLetters[2].reason.errors).toEqual([
      { field: 'data.balanceMinor', rule: 'matches', message: 'must be digits' },
    ]);
    expect(outcome.deadLetters[3].reason.errors).toEqual([
      { field: 'customerId', rule: 'customer-unknown', message: 'no such customer' },
    ]);
  });

  it('given a conflict, then it settles only the records before it, with their dead letters', async () => {
    const ingest = ingestAnswering((id) =>
      id === 'busy' ? 'conflict' : id === 'bad' ? 'invalid' : 'appended',
    );
    const messages = [
      record(1, touchpoint('a')),
      record(2, touchpoint('bad')),
      record(3, touchpoint('busy')),
      record(4, 'not json'),
      record(5, touchpoint('b')),
    ];

    const outcome = await settle(ingest, messages);

    expect(outcome.settled).toBe(2);
    expect(outcome.blocked).toBeDefined();
    expect(outcome.deadLetters.map(({ message }) => message.offset)).toEqual(['2']);
  });

  it('given a record whose key names another customer, then it is dead-lettered unread; one without a key is taken', async () => {
    const ingest = ingestAnswering(() => 'appended');
    const value = (eventId: string) => JSON.stringify({ eventId, customerId: 'c-1' });
    const messages = [
      record(1, value('a')),
      { ...record(2, value('elsewhere')), key: Buffer.from('c-2') },
      { ...record(3, value('unkeyed')), key: null },
    ];

    const outcome = await settle(ingest, messages);

    expect(ingest.calls).toEqual([['a', 'unkeyed']]);
    expect(outcome.settled).toBe(3);
    expect(outcome.deadLetters.map(({ message, reason }) => [message.offset, reason])).toEqual([
      [
        '2',
        {
          outcome: 'invalid',
          errors: [expect.objectContaining({ field: 'customerId', rule: 'matchesRecordKey' })],
        },
      ],
    ]);
  });

  it('given a failing store, then it rejects and settles nothing', async () => {
    const failing = {
      ingest: async (): Promise<IngestReport> => {
        throw new Error('database unavailable');
      },
    };
    await expect(settle(failing, [record(1, touchpoint('a'))])).rejects.toThrow(
      'database unavailable',
    );
  });
});

/** A fetched batch with kafkajs's payload functions recorded. */
function batchOf(messages: KafkaMessage[]) {
  const log: string[] = [];
  let running = true;
  const payload = {
    batch: { topic: 'in', partition: 0, messages },
    resolveOffset: (offset: string) => log.push(`resolve ${offset}`),
    uncommittedOffsets: () => ({ topics: [] }),
    commitOffsetsIfNecessary: async () => void log.push('commit'),
    heartbeat: async () => undefined,
    isRunning: () => running,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload, log, stop: () => (running = false) };
}

describe('consumeBatch (one partition’s batch)', () => {
  const options = (settleChunk: (messages: readonly KafkaMessage[]) => Promise<Settlement>) => ({
    chunkSize: 2,
    settle: settleChunk,
    signal: new AbortController().signal,
    onHeld: () => undefined,
  });

  it('settles chunk by chunk, committing after each, in offset order', async () => {
    const { payload, log } = batchOf([1, 2, 3].map((n) => record(n, touchpoint(`e${n}`))));
    const seen: string[][] = [];

    await consumeBatch(
      payload,
      options(async (messages) => {
        seen.push(messages.map((message) => message.offset));
        return { settled: messages.length, deadLetters: [] };
      }),
    );

    expect(seen).toEqual([['1', '2'], ['3']]);
    expect(log).toEqual(['resolve 2', 'commit', 'resolve 3', 'commit']);
  });

  it('holds at a conflict: commits what is before it, then retries from it until it settles', async () => {
    const { payload, log } = batchOf([1, 2].map((n) => record(n, touchpoint(`e${n}`))));
    const seen: string[][] = [];
    const held: string[] = [];
    let conflicts = 1;

    await consumeBatch(payload, {
      ...options(async (messages) => {
        seen.push(messages.map((message) => message.offset));
        if (messages[0].offset === '1') return { settled: 1, deadLetters: [], blocked: 'busy' };
        if (conflicts-- > 0) return { settled: 0, deadLetters: [], blocked: 'busy' };
        return { settled: messages.length, deadLetters: [] };
      }),
      onHeld: (offset, attempt, delayMs) => held.push(`${offset} #${attempt} ${delayMs}ms`),
    });

    expect(seen).toEqual([['1', '2'], ['2'], ['2']]);
    expect(held).toEqual(['2 #1 200ms', '2 #2 400ms']);
    expect(log).toEqual(['resolve 1', 'commit', 'resolve 2', 'commit']);
  });

  it('retries after an infrastructure error without committing, and stops holding when the consumer stops', async () => {
    const { payload, log, stop } = batchOf([record(1, touchpoint('e1'))]);
    const stopping = new AbortController();
    let attempts = 0;

    await consumeBatch(payload, {
      ...options(async () => {
        attempts++;
        throw new Error('database unavailable');
      }),
      signal: stopping.signal,
      onHeld: (_offset, _attempt, _delay, reason) => {
        expect(reason).toBe('database unavailable');
        if (attempts === 2) {
          stop();
          stopping.abort();
        }
      },
    });

    expect(attempts).toBe(2);
    expect(log).toEqual([]);
  });
});
