import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore, RecordedEvent } from '../event-store/event-store.port';
import {
  Checkpoint,
  CHECKPOINT_STREAM,
  checkpointHash,
  checkpointOf,
  GENESIS_HASH,
  headsRoot,
  payloadOf,
  signatureValid,
  sortedHeads,
  StreamHead,
} from './checkpoint';
import { CHECKPOINT_SIGNING_KEY, CheckpointSigningKey } from './signing-key';

/** A checkpoint as listed: what was signed, and where its event is stored. */
export interface ListedCheckpoint extends Checkpoint {
  readonly eventId: string;
  readonly eventPosition: string;
  readonly eventHash?: string;
}

/** The latest checkpoint, checked whole, with its tree's leaves for proofs. */
export interface LatestCheckpoint {
  readonly checkpoint: ListedCheckpoint;
  /** Why it cannot be trusted (signature, link or root), or undefined when it verifies. */
  readonly problem?: string;
  /** Leaves in tree order (only when it verifies). */
  readonly sorted?: readonly StreamHead[];
  readonly indexOf?: ReadonlyMap<string, number>;
}

/**
 * The signed checkpoints as this instance has read them: the list, the stream heads they add
 * up to (one entry per stream: memory grows with the number of streams), and the latest one
 * checked. The whole-store verification (StoreVerification) re-reads everything itself.
 */
@Injectable()
export class CheckpointLedger {
  private readonly listed: ListedCheckpoint[] = [];
  private readonly heads = new Map<string, StreamHead>();
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
    const sorted = sortedHeads(this.heads.values());
    if (sorted.length !== checkpoint.streams || headsRoot(sorted) !== checkpoint.root)
      return { checkpoint, problem: 'the stream heads recorded do not give its signed root' };
    return {
      checkpoint,
      sorted,
      indexOf: new Map(sorted.map((head, index) => [head.streamId, index])),
    };
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
    for (const [streamId, revision, hash] of data.heads)
      this.heads.set(streamId, { streamId, revision, hash });
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
