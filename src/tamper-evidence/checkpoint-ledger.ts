import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, RecordedEvent } from '../event-store/event-store.port';
import {
  Checkpoint,
  CHECKPOINT_STREAM,
  checkpointHash,
  checkpointOf,
  GENESIS_HASH,
  headLeafHash,
  payloadOf,
  signatureValid,
  StreamHead,
} from './checkpoint';
import { MerkleTree } from './merkle';
import { CHECKPOINT_SIGNING_KEY, CheckpointSigningKey } from './signing-key';

/** A checkpoint as listed: what was signed, and where its event is stored. */
export interface ListedCheckpoint extends Checkpoint {
  readonly eventId: string;
  readonly eventPosition: string;
  readonly eventHash?: string;
}

/** The latest checkpoint, checked whole. */
export interface LatestCheckpoint {
  readonly checkpoint: ListedCheckpoint;
  /** Why it cannot be trusted (signature, link or root), or undefined when it verifies. */
  readonly problem?: string;
}

/** RFC 6962 inclusion proof of a stream's head in the latest checkpoint's tree. */
export interface HeadProof {
  readonly leaf: StreamHead;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly path: string[];
}

/**
 * The signed checkpoints as this instance has read them: the list, the stream heads they add
 * up to and their Merkle tree, kept leaf by leaf (a stream keeps the leaf where it first
 * entered a checkpoint), so a checkpoint, a check of the latest root and a proof cost
 * O(log² streams) hashes, not O(streams). Memory grows with the number of streams. The
 * whole-store verification (StoreVerification) re-reads everything itself.
 */
@Injectable()
export class CheckpointLedger {
  private readonly listed: ListedCheckpoint[] = [];
  private readonly heads = new Map<string, StreamHead>();
  private readonly tree = new MerkleTree();
  private readonly leafIndex = new Map<string, number>();
  private nextRevision = 0;
  /** Whether the latest checkpoint follows the one before it (link and sequence). */
  private latestLinked = true;
  private lastHash = GENESIS_HASH;
  private latestChecked?: LatestCheckpoint;
  private refreshing?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CHECKPOINT_SIGNING_KEY) private readonly key: CheckpointSigningKey,
  ) {}

  /** Reads the checkpoints recorded since the last call (one read at a time). */
  async refresh(): Promise<void> {
    this.refreshing ??= this.readNew().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  /** Recorded checkpoints, oldest first. */
  list(): readonly ListedCheckpoint[] {
    return this.listed;
  }

  /** The revision the next checkpoint will have in CHECKPOINT_STREAM. */
  nextRevisionOfStream(): number {
    return this.nextRevision;
  }

  latest(): ListedCheckpoint | undefined {
    return this.listed.at(-1);
  }

  /** Every stream's head as of the latest checkpoint. */
  headsAtLatest(): ReadonlyMap<string, StreamHead> {
    return this.heads;
  }

  /** The latest checkpoint, checked (signature, chain to the previous ones, root). */
  checkedLatest(): LatestCheckpoint | undefined {
    const latest = this.latest();
    if (!latest) return undefined;
    if (this.latestChecked?.checkpoint === latest) return this.latestChecked;
    this.latestChecked = this.check(latest);
    return this.latestChecked;
  }

  private check(checkpoint: ListedCheckpoint): LatestCheckpoint {
    if (checkpoint.keyId !== this.key.keyId)
      return { checkpoint, problem: `signed by key ${checkpoint.keyId}, not the configured key` };
    if (!signatureValid(checkpoint, this.key.publicKey))
      return { checkpoint, problem: 'its signature does not match its content' };
    if (!this.latestLinked)
      return {
        checkpoint,
        problem: 'it does not follow the checkpoint before it (run npm run verify)',
      };
    if (this.tree.size !== checkpoint.streams || this.tree.root() !== checkpoint.root)
      return { checkpoint, problem: 'the stream heads recorded do not give its signed root' };
    return { checkpoint };
  }

  /** The proof that the stream's head is in the latest checkpoint's tree, if it is there. */
  proofOf(streamId: string): HeadProof | undefined {
    const leaf = this.heads.get(streamId);
    const leafIndex = this.leafIndex.get(streamId);
    if (leaf === undefined || leafIndex === undefined) return undefined;
    return { leaf, leafIndex, treeSize: this.tree.size, path: this.tree.auditPath(leafIndex) };
  }

  /**
   * Size and root of the tree the latest checkpoint's heads would make with `changes` applied
   * (new streams appended in the order given): what the next checkpoint signs. The tree is left
   * as it was.
   */
  rootWith(changes: readonly StreamHead[]): { streams: number; root: string } {
    const replaced: [number, Buffer][] = [];
    let appended = 0;
    const seen = new Set<string>();
    for (const head of changes) {
      const index = this.leafIndex.get(head.streamId);
      if (seen.has(head.streamId)) throw new Error(`${head.streamId} changed twice`);
      seen.add(head.streamId);
      if (index === undefined) {
        this.tree.append(headLeafHash(head));
        appended++;
      } else {
        replaced.push([index, this.tree.leaf(index)]);
        this.tree.set(index, headLeafHash(head));
      }
    }
    const answer = { streams: this.tree.size, root: this.tree.root() };
    this.tree.truncate(appended);
    for (const [index, hash] of replaced.reverse()) this.tree.set(index, hash);
    return answer;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const events = await this.store.readStream(CHECKPOINT_STREAM, {
        fromRevision: this.nextRevision,
        maxCount: 500,
      });
      for (const event of events) {
        this.add(event);
        this.nextRevision = event.revision + 1;
      }
      if (events.length < 500) return;
    }
  }

  private add(event: RecordedEvent): void {
    const data = checkpointOf(event);
    // Unreadable: the next one cannot link to it; verification names it.
    if (!data) return;
    for (const [streamId, revision, hash] of data.heads) {
      const head = { streamId, revision, hash };
      this.heads.set(streamId, head);
      const index = this.leafIndex.get(streamId);
      if (index === undefined) this.leafIndex.set(streamId, this.tree.append(headLeafHash(head)));
      else this.tree.set(index, headLeafHash(head));
    }
    this.latestLinked = data.previous === this.lastHash && data.sequence === event.revision + 1;
    this.lastHash = checkpointHash(data);
    this.listed.push({
      ...payloadOf(data),
      signature: data.signature,
      eventId: event.eventId,
      eventPosition: String(event.position),
      ...(event.hash === undefined ? {} : { eventHash: event.hash }),
    });
  }
}
