import { NO_STREAM, ExpectedRevision as StoredExpectedRevision } from '@eventstore/db-client';
import type { WrongExpectedVersionError } from '@eventstore/db-client';
import { ExpectedRevision, WrongExpectedRevisionError } from './event-store.port';

/**
 * The revision the server must still find when the adapter appends: the one it has just read
 * (-1: no stream). The caller's own expectation, `any` included, is checked against that read
 * first; appending at the exact revision read is what keeps duplicate detection and revision
 * numbering right when another writer appends in between.
 */
export const toStoredExpectedRevision = (current: number): StoredExpectedRevision =>
  current === -1 ? NO_STREAM : BigInt(current);

/** The client's conflict as the port's, with the revision the server actually found. */
export function toWrongExpectedRevisionError(
  error: WrongExpectedVersionError,
  streamId: string,
  expected: ExpectedRevision,
): WrongExpectedRevisionError {
  const actual = error.actualVersion === NO_STREAM ? 'no_stream' : Number(error.actualVersion);
  return new WrongExpectedRevisionError(streamId, expected, actual);
}
