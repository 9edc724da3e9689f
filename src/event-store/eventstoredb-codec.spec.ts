import { EventData, JSONRecordedEvent, Position } from '@eventstore/db-client';
import fc from 'fast-check';
import { toEventData, toRecordedEvent } from './eventstoredb-codec';
import { UnreadableStoredEventError } from './eventstoredb-errors';
import { EventToAppend } from './event-store.port';

const appended: EventToAppend = {
  eventId: '6f1c2a4e-8d3b-4f0a-9c57-1e2d3c4b5a69',
  type: 'BalanceReported',
  version: 2,
  occurredAt: '1999-12-31T23:59:59.999Z',
  data: { amountMinor: '-90071992547409931234', nested: { list: [1, 'two', null] } },
  metadata: { correlationId: 'c-1', sourceSystem: 'core-banking', version: 'not the schema' },
};

const created = new Date('2026-03-01T09:30:00.123Z');
const selfCommitted: Position = { commit: 8_192n, prepare: 8_192n };

/** What the client hands back for an event it appended: JSON written, then parsed. */
function storedAs(data: EventData, overrides: Partial<JSONRecordedEvent> = {}): JSONRecordedEvent {
  return {
    streamId: 'ns-customer-42',
    id: data.id,
    isJson: true,
    revision: 7n,
    type: data.type,
    created,
    data: JSON.parse(JSON.stringify(data.data)),
    metadata: JSON.parse(JSON.stringify(data.metadata)),
    position: selfCommitted,
    ...overrides,
  };
}

describe('EventStoreDB event codec', () => {
  it('given an event, then it is appended as JSON with its id, type and metadata layout', () => {
    expect(toEventData(appended)).toEqual({
      id: appended.eventId,
      contentType: 'application/json',
      type: 'BalanceReported',
      data: appended.data,
      metadata: {
        occurredAt: '1999-12-31T23:59:59.999Z',
        version: 2,
        metadata: appended.metadata,
      },
    });
  });

  it('given a stored event, then it reads back exactly what was appended, with where and when', () => {
    expect(toRecordedEvent(storedAs(toEventData(appended)), 'customer-42')).toEqual({
      ...appended,
      streamId: 'customer-42',
      revision: 7,
      position: 8_192n,
      recordedAt: '2026-03-01T09:30:00.123Z',
    });
  });

  it('given any JSON data and metadata, then the round trip is exact', () => {
    const json = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown);
    const record = fc.dictionary(
      fc.string().filter((key) => key !== '__proto__'),
      json,
    );
    fc.assert(
      fc.property(record, record, fc.integer({ min: 1, max: 1_000 }), (data, metadata, version) => {
        const event: EventToAppend = { ...appended, data, metadata, version };
        const read = toRecordedEvent(storedAs(toEventData(event)), 'customer-42');
        expect({
          eventId: read.eventId,
          type: read.type,
          version: read.version,
          occurredAt: read.occurredAt,
          data: read.data,
          metadata: read.metadata,
        }).toEqual(event);
      }),
    );
  });

  it('given an event not written as JSON, then it is refused as unreadable', () => {
    const binary = storedAs(toEventData(appended), { isJson: false as true });
    expect(() => toRecordedEvent(binary, 'customer-42')).toThrow(UnreadableStoredEventError);
  });

  it('given metadata not in this layout, then it is refused naming the stream and revision', () => {
    const foreign = storedAs(toEventData(appended), { metadata: { correlationId: 'c-1' } });
    expect(() => toRecordedEvent(foreign, 'customer-42')).toThrow(
      /ns-customer-42@7: metadata is not/,
    );
  });

  it('given an event without a log position of its own, then it is refused, never tied', () => {
    const inTransaction = storedAs(toEventData(appended), {
      position: { commit: 9_000n, prepare: 8_192n },
    });
    expect(() => toRecordedEvent(inTransaction, 'customer-42')).toThrow(/no log position/);
  });
});
