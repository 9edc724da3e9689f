import { NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import { toStoredExpectedRevision, toWrongExpectedRevisionError } from './eventstoredb-revisions';
import { WrongExpectedRevisionError } from './event-store.port';

describe('EventStoreDB expected revisions', () => {
  it('given no stream was read, then the server must find no stream', () => {
    expect(toStoredExpectedRevision(-1)).toBe(NO_STREAM);
  });

  it('given a stream read at a revision, then the server must find that exact revision', () => {
    expect(toStoredExpectedRevision(0)).toBe(0n);
    expect(toStoredExpectedRevision(41)).toBe(41n);
  });

  it("given the client's conflict, then the port's error carries the revision actually found", () => {
    const conflict = new WrongExpectedVersionError(undefined, {
      streamName: 'customer-1',
      expected: 1n,
      current: 2n,
    });
    const error = toWrongExpectedRevisionError(conflict, 'customer-1', 'any');
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamId: 'customer-1', expected: 'any', actual: 2 });
  });

  it("given the client's conflict on a stream that does not exist, then actual is no_stream", () => {
    const conflict = new WrongExpectedVersionError(undefined, {
      streamName: 'customer-1',
      expected: 0n,
      current: NO_STREAM,
    });
    expect(toWrongExpectedRevisionError(conflict, 'customer-1', 0)).toMatchObject({
      expected: 0,
      actual: 'no_stream',
    });
  });
});
