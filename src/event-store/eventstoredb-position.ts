import { Position, ReadPosition, START } from '@eventstore/db-client';

/** Largest log position; the server sends -1 as an unsigned 2^64 - 1 when it has none. */
const MAX_LOG_POSITION = (1n << 63n) - 1n;

/**
 * The port's global position of an EventStoreDB event is its log position.
 *
 * Every event appended through the gRPC API commits itself: it is one record of the transaction
 * log whose commit and prepare positions are both that record's own offset, in $all reads and
 * stream reads alike. Those offsets are distinct and grow in the order $all delivers events, so
 * one number is strictly increasing and `{ commit: p, prepare: p }` is exactly where to resume.
 *
 * Only explicit transactions of the legacy TCP API give several events one shared commit position
 * (each with its own, lower, prepare position); stream reads cannot place those events at all.
 * This adapter never writes them, and refuses to read them rather than hand out positions that
 * tie. Returns undefined, for the caller to report, when the pair is not one self-committed event.
 */
export function toGlobalPosition(position: Position | undefined): bigint | undefined {
  if (position === undefined || position.commit !== position.prepare) return undefined;
  if (position.commit < 0n || position.commit > MAX_LOG_POSITION) return undefined;
  return position.commit;
}

export const toLogPosition = (position: bigint): Position => ({
  commit: position,
  prepare: position,
});

/** Where a read or subscription for events strictly after `after` starts (it may include `after`). */
export const readFrom = (after: bigint | undefined): ReadPosition =>
  after === undefined ? START : toLogPosition(after);
