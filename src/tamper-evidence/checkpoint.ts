import { createHash, KeyObject, sign, verify } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { RecordedEvent } from '../event-store/event-store.port';
import { GENESIS_HASH } from '../event-store/hash-chain';
import { leafHash, merkleRoot } from './merkle';

/** The stream the signed checkpoints are appended to (itself hash-chained like any other). */
export const CHECKPOINT_STREAM = 'audit-checkpoints';
export const CHECKPOINT_EVENT_TYPE = 'AuditCheckpointRecorded';
export const CHECKPOINT_EVENT_VERSION = 1;

/** A stream's last event as a checkpoint covers it: the Merkle tree's leaf. */
export interface StreamHead {
  readonly streamId: string;
  readonly revision: number;
  readonly hash: string;
}

/**
 * What a checkpoint signs (docs/auditing.md): every stream's head at `position`, folded into
 * one RFC 6962 Merkle root, chained to the previous checkpoint.
 */
export interface CheckpointPayload {
  /** 1, 2, 3...: the checkpoint's revision in CHECKPOINT_STREAM plus one. */
  readonly sequence: number;
  /** The global position it covers: every event at or below it, none above. */
  readonly position: string;
  /** How many streams (leaves) the root covers. */
  readonly streams: number;
  /**
   * Merkle root (hex) over the stream heads, in the order streams first entered a checkpoint
   * (within one checkpoint, by stream id).
   */
  readonly root: string;
  /** checkpointHash of the previous checkpoint; GENESIS_HASH for the first. */
  readonly previous: string;
  /** When it was made (the engine's clock). */
  readonly recordedAt: string;
  /** Fingerprint of the signing key's public half (signingKeyId). */
  readonly keyId: string;
}

export interface Checkpoint extends CheckpointPayload {
  /** Ed25519 signature of the payload's canonical JSON, base64. */
  readonly signature: string;
}

/** As stored: the checkpoint plus the heads that moved since the previous one. */
export interface CheckpointEventData extends Checkpoint {
  /** [streamId, revision, hash] of each stream whose head moved since the previous checkpoint. */
  readonly heads: ReadonlyArray<readonly [string, number, string]>;
}

export { GENESIS_HASH };

export const payloadOf = (checkpoint: CheckpointPayload): CheckpointPayload => ({
  sequence: checkpoint.sequence,
  position: checkpoint.position,
  streams: checkpoint.streams,
  root: checkpoint.root,
  previous: checkpoint.previous,
  recordedAt: checkpoint.recordedAt,
  keyId: checkpoint.keyId,
});

/** The bytes signed and hashed: RFC 8785 canonical JSON of the payload. */
const payloadBytes = (checkpoint: CheckpointPayload): Buffer =>
  Buffer.from(canonicalize(payloadOf(checkpoint)), 'utf8');

/** What the next checkpoint's `previous` holds: SHA-256 of this one's payload bytes (hex). */
export const checkpointHash = (checkpoint: CheckpointPayload): string =>
  createHash('sha256').update(payloadBytes(checkpoint)).digest('hex');

/** A key's fingerprint: the first 16 bytes of SHA-256 over its public key (SPKI DER), hex. */
export const signingKeyId = (publicKey: KeyObject): string =>
  createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 32);

export const signCheckpoint = (payload: CheckpointPayload, privateKey: KeyObject): Checkpoint => ({
  ...payloadOf(payload),
  signature: sign(null, payloadBytes(payload), privateKey).toString('base64'),
});

export function signatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(
      null,
      payloadBytes(checkpoint),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** The leaf bytes of a stream head: canonical JSON `[streamId, revision, hash]`. */
export const headLeaf = (head: StreamHead): Buffer =>
  Buffer.from(canonicalize([head.streamId, head.revision, head.hash]), 'utf8');

/** Heads by stream id (UTF-16 code units; byte order for ASCII ids): a checkpoint's delta order. */
export const sortedHeads = (heads: Iterable<StreamHead>): StreamHead[] =>
  [...heads].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));

export const headLeafHash = (head: StreamHead): Buffer => leafHash(headLeaf(head));

/** The root over heads in tree order (first entry into a checkpoint, then stream id). */
export const headsRoot = (leaves: readonly StreamHead[]): string =>
  merkleRoot(leaves.map(headLeafHash));

/** A stored checkpoint event's data, if it has the shape this engine writes. */
export function checkpointOf(event: RecordedEvent): CheckpointEventData | undefined {
  if (event.type !== CHECKPOINT_EVENT_TYPE) return undefined;
  const data = event.data as Partial<CheckpointEventData>;
  const fine =
    Number.isSafeInteger(data.sequence) &&
    typeof data.position === 'string' &&
    /^\d+$/.test(data.position) &&
    Number.isSafeInteger(data.streams) &&
    typeof data.root === 'string' &&
    typeof data.previous === 'string' &&
    typeof data.recordedAt === 'string' &&
    typeof data.keyId === 'string' &&
    typeof data.signature === 'string' &&
    Array.isArray(data.heads) &&
    data.heads.every(
      (head) =>
        Array.isArray(head) &&
        typeof head[0] === 'string' &&
        Number.isSafeInteger(head[1]) &&
        typeof head[2] === 'string',
    );
  return fine ? (data as CheckpointEventData) : undefined;
}
