import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InsufficientStorageError } from '../http/errors/errors';
import { megabytes, volumeSpace } from './embedded-database';
import { pgErrorCode } from './sql-client';

/** PostgreSQL's "disk full" (a server's volume, seen only through its errors). */
export const PG_DISK_FULL = '53100';

/** How long a server's "disk full" keeps writes refused before one is tried again. */
const SERVER_FULL_BACKOFF_MS = 5_000;
/** Free space is measured at most this often per write, and at least once a second. */
const FRESH_MS = 250;
const POLL_MS = 1_000;

export interface StorageStatus {
  readonly writable: boolean;
  /** Why writes are refused, naming the volume and what is free. */
  readonly reason?: string;
  readonly folder?: string;
  readonly freeBytes?: number;
  readonly reserveBytes?: number;
}

export interface EmbeddedVolume {
  readonly folder: string;
  /** Refuse writes below this many free bytes; undefined: 5 % of the volume or 512 MB, the smaller. */
  readonly reserveBytes?: number;
}

/**
 * Writes stop before the disk is full, not when it is. On the embedded default the service sees
 * its data volume (statfs) and refuses writes while less than the reserve is free: a full volume
 * makes PGlite spin in its WAL flush, deaf even to SIGTERM. On a PostgreSQL server it cannot see
 * the volume, so a "disk full" error (SQLSTATE 53100) refuses writes for a few seconds, then one
 * is tried again. Reads go on either way; readiness says why writes stopped; writes resume by
 * themselves when space returns.
 */
@Injectable()
export class StorageGuard implements OnModuleDestroy {
  private readonly logger = new Logger(StorageGuard.name);
  private measuredAt = 0;
  private embeddedReason?: string;
  private free?: number;
  private reserve?: number;
  private serverFullUntil = 0;
  private readonly timer?: NodeJS.Timeout;

  constructor(private readonly volume?: EmbeddedVolume) {
    if (!volume) return;
    this.measure();
    this.timer = setInterval(() => this.measure(), POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Throws InsufficientStorageError while writes are refused. */
  assertWritable(): void {
    const reason = this.blockedReason();
    if (reason) throw new InsufficientStorageError(reason);
  }

  /** Why writes are refused now, or undefined. */
  blockedReason(): string | undefined {
    if (this.volume && Date.now() - this.measuredAt > FRESH_MS) this.measure();
    if (this.embeddedReason) return this.embeddedReason;
    if (Date.now() < this.serverFullUntil)
      return `the PostgreSQL server reports its disk full (SQLSTATE ${PG_DISK_FULL})`;
    return undefined;
  }

  /** Takes note of a storage error; true when it was a "disk full". */
  noteError(error: unknown): boolean {
    if (pgErrorCode(error) !== PG_DISK_FULL) return false;
    if (Date.now() >= this.serverFullUntil) this.logger.error('the database reports its disk full');
    this.serverFullUntil = Date.now() + SERVER_FULL_BACKOFF_MS;
    return true;
  }

  status(): StorageStatus {
    const reason = this.blockedReason();
    return {
      writable: reason === undefined,
      ...(reason ? { reason } : {}),
      ...(this.volume
        ? { folder: this.volume.folder, freeBytes: this.free, reserveBytes: this.reserve }
        : {}),
    };
  }

  private measure(): void {
    const volume = this.volume!;
    this.measuredAt = Date.now();
    const space = volumeSpace(volume.folder);
    if (!space) return; // unknown: keep the last measurement
    const { free } = space;
    this.free = free;
    // 5 % of the volume or 512 MB, whichever is smaller.
    this.reserve = volume.reserveBytes ?? Math.min(0.05 * space.total, 512 * 1024 * 1024);
    const wasBlocked = this.embeddedReason !== undefined;
    this.embeddedReason =
      free < this.reserve
        ? `the data volume of ${volume.folder} has ${megabytes(free)} free, below the reserve of ${megabytes(this.reserve)} (DATA_DIR_MIN_FREE_MB); writes resume when space is freed`
        : undefined;
    if (this.embeddedReason && !wasBlocked)
      this.logger.error(`writes refused: ${this.embeddedReason}`);
    if (!this.embeddedReason && wasBlocked)
      this.logger.log('free space is back above the reserve; writes resume');
  }
}
