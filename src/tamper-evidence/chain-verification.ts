import { KeyObject } from 'node:crypto';
import { RecordedEvent } from '../event-store/event-store.port';
import { chainHash, GENESIS_HASH } from '../event-store/hash-chain';
import {
  CheckpointEventData,
  checkpointHash,
  checkpointOf,
  headsRoot,
  signatureValid,
  StreamHead,
} from './checkpoint';

/**
 * How a stored event fails verification (docs/auditing.md):
 * - `edited`: its content or hash is not what the chain (or a checkpoint) recorded;
 * - `missing`: a revision the chain or a checkpoint vouches for is not stored;
 * - `inserted`: stored among the events a checkpoint covers, which did not include it;
 * - `reordered`: its global position is not after its predecessor's;
 * - `unchained`: stored without a hash (before the chain existed; run the backfill);
 * - `checkpoint-mismatch`: a checkpoint does not chain to the previous one, or its heads do not
 *   give its signed root;
 * - `bad-signature`: a checkpoint's signature is not the configured key's.
 */
export type FailureKind =
  | 'edited'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'unchained'
  | 'checkpoint-mismatch'
  | 'bad-signature';

export interface VerificationFailure {
  readonly streamId: string;
  readonly revision: number;
  readonly kind: FailureKind;
  readonly detail: string;
  /** The checkpoint concerned, if any (its sequence number). */
  readonly checkpoint?: number;
}

/** What a trusted checkpoint says of one stream, for checking that stream's stored events. */
export interface Cover {
  readonly sequence: number;
  readonly position: bigint;
  /** The stream's head at the checkpoint; undefined when it covers no event of the stream. */
  readonly head?: StreamHead;
}

/**
 * Checks one stream's stored events (in revision order, as read) against their chain and, when
 * a checkpoint covers the stream, against the head it signed.
 */
export function verifyStream(
  streamId: string,
  events: readonly RecordedEvent[],
  cover?: Cover,
): VerificationFailure[] {
  const failures: VerificationFailure[] = [];
  const fail = (revision: number, kind: FailureKind, detail: string, checkpoint?: number) =>
    failures.push({ streamId, revision, kind, detail, ...(checkpoint ? { checkpoint } : {}) });
  let previous = GENESIS_HASH;
  let linkKnown = true;
  let lastRevision = -1;
  let lastPosition = -1n;
  for (const event of events) {
    const covered = cover !== undefined && event.position <= cover.position;
    // An unchained event (stored before the chain, not yet backfilled) is in no checkpoint.
    if (
      covered &&
      event.hash !== undefined &&
      (cover.head === undefined || event.revision > cover.head.revision)
    ) {
      fail(
        event.revision,
        'inserted',
        cover.head === undefined
          ? `at position ${event.position}, which checkpoint ${cover.sequence} covers, but that checkpoint holds no event of this stream`
          : `at position ${event.position}, which checkpoint ${cover.sequence} covers, but that checkpoint's head of this stream is revision ${cover.head.revision}`,
        cover.sequence,
      );
      continue;
    }
    if (event.revision > lastRevision + 1) {
      for (let revision = lastRevision + 1; revision < event.revision; revision++)
        fail(revision, 'missing', `revision ${event.revision} is stored but not this one`);
      linkKnown = false;
    }
    let failed = true;
    if (event.position <= lastPosition) {
      fail(
        event.revision,
        'reordered',
        `position ${event.position} is not after revision ${lastRevision}'s position ${lastPosition}`,
      );
    } else if (event.hash === undefined) {
      fail(event.revision, 'unchained', 'stored without a hash: run npm run verify -- --backfill');
    } else if (linkKnown && chainHash(previous, event) !== event.hash) {
      fail(
        event.revision,
        'edited',
        'its content or hash differs from the chain: SHA-256 of the previous link and its canonical JSON is not its stored hash',
      );
    } else failed = false;
    if (
      !failed &&
      covered &&
      cover.head !== undefined &&
      event.revision === cover.head.revision &&
      event.hash !== cover.head.hash
    ) {
      fail(
        event.revision,
        'edited',
        `its hash differs from the one checkpoint ${cover.sequence} signed for this stream`,
        cover.sequence,
      );
    }
    previous = event.hash ?? GENESIS_HASH;
    linkKnown = event.hash !== undefined;
    lastRevision = event.revision;
    lastPosition = event.position;
  }
  let storedUpTo = -1;
  for (const event of events)
    if (cover === undefined || event.position <= cover.position)
      storedUpTo = Math.max(storedUpTo, event.revision);
  if (cover?.head !== undefined) {
    for (let revision = storedUpTo + 1; revision <= cover.head.revision; revision++) {
      fail(
        revision,
        'missing',
        `checkpoint ${cover.sequence} covered this stream up to revision ${cover.head.revision}`,
        cover.sequence,
      );
    }
  }
  const seen = new Set<string>();
  return failures
    .filter((failure) => {
      const key = `${failure.revision}:${failure.kind}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.revision - b.revision);
}

/** A checkpoint as read from its stream. */
export interface StoredCheckpoint {
  readonly event: RecordedEvent;
  readonly data: CheckpointEventData;
}

export function storedCheckpoints(events: readonly RecordedEvent[]): {
  checkpoints: StoredCheckpoint[];
  failures: VerificationFailure[];
} {
  const checkpoints: StoredCheckpoint[] = [];
  const failures: VerificationFailure[] = [];
  for (const event of events) {
    const data = checkpointOf(event);
    if (data) checkpoints.push({ event, data });
    else
      failures.push({
        streamId: event.streamId,
        revision: event.revision,
        kind: 'checkpoint-mismatch',
        detail: `not a checkpoint this engine writes (type ${event.type})`,
      });
  }
  return { checkpoints, failures };
}

/**
 * The stream heads after applying the checkpoints' deltas in order. The map's order is the
 * tree's: a stream keeps the place where it first entered a checkpoint.
 */
export function accumulatedHeads(
  checkpoints: readonly StoredCheckpoint[],
): Map<string, StreamHead> {
  const heads = new Map<string, StreamHead>();
  for (const { data } of checkpoints)
    for (const [streamId, revision, hash] of data.heads)
      heads.set(streamId, { streamId, revision, hash });
  return heads;
}

export interface CheckpointVerification {
  readonly failures: VerificationFailure[];
  /** The latest checkpoint that verifies whole (signature, link, root), and its heads. */
  readonly trusted?: {
    readonly checkpoint: StoredCheckpoint;
    readonly heads: Map<string, StreamHead>;
    /** Leaves in tree order. */
    readonly leaves: StreamHead[];
  };
}

/**
 * Checks the checkpoints in order: each signature against the configured key, each `previous`
 * against the hash of the one before, and the root of the latest well-signed one against the
 * heads recorded up to it. (Earlier roots are vouched for through the `previous` links.)
 */
export function verifyCheckpoints(
  checkpoints: readonly StoredCheckpoint[],
  publicKey: KeyObject,
  keyId: string,
): CheckpointVerification {
  const failures: VerificationFailure[] = [];
  const fail = (stored: StoredCheckpoint, kind: FailureKind, detail: string) =>
    failures.push({
      streamId: stored.event.streamId,
      revision: stored.event.revision,
      kind,
      detail,
      checkpoint: stored.data.sequence,
    });
  const sound: boolean[] = [];
  let previous = GENESIS_HASH;
  for (const [index, stored] of checkpoints.entries()) {
    const { data, event } = stored;
    let ok = false;
    if (data.keyId !== keyId) {
      fail(stored, 'bad-signature', `signed by key ${data.keyId}, not the configured key ${keyId}`);
    } else if (!signatureValid(data, publicKey)) {
      fail(stored, 'bad-signature', 'the signature does not match its content');
    } else if (data.previous !== previous) {
      fail(
        stored,
        'checkpoint-mismatch',
        index === 0
          ? 'the first checkpoint does not start the chain'
          : `does not follow checkpoint ${checkpoints[index - 1].data.sequence}: its previous hash differs`,
      );
    } else if (data.sequence !== event.revision + 1) {
      fail(
        stored,
        'checkpoint-mismatch',
        `sequence ${data.sequence} at revision ${event.revision}`,
      );
    } else ok = true;
    sound.push(ok);
    previous = checkpointHash(data);
  }
  for (let index = checkpoints.length - 1; index >= 0; index--) {
    if (!sound[index]) continue;
    const upTo = checkpoints.slice(0, index + 1);
    const heads = accumulatedHeads(upTo);
    const leaves = [...heads.values()];
    const { data } = checkpoints[index];
    if (leaves.length === data.streams && headsRoot(leaves) === data.root) {
      return { failures, trusted: { checkpoint: checkpoints[index], heads, leaves } };
    }
    fail(
      checkpoints[index],
      'checkpoint-mismatch',
      `the stream heads recorded up to it do not give its signed root (${data.streams} streams)`,
    );
  }
  return { failures };
}
