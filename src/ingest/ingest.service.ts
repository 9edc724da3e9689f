import { Inject, Injectable, Logger } from '@nestjs/common';
import { ACCESS_LOG, AccessAction, AccessLog } from '../access-log/access-log.port';
import { CommandBus, EventBus } from '@nestjs/cqrs';
import { FieldError } from '../http/errors/errors';
import { MasterKeyUnavailableError } from '../privacy/master-key.port';
import { StorageGuard } from '../postgres/storage-guard';
import { AppendTouchpointsCommand, TouchpointOutcome } from './append-touchpoints.command';
import { validateTouchpoint, ValidTouchpoint } from './touchpoint-validator';
import { IngestChannel, TouchpointsIngestedEvent } from './touchpoints-ingested.event';

export type ItemResult = { readonly index: number } & (
  | TouchpointOutcome
  | {
      readonly eventId?: string;
      readonly status: 'invalid';
      readonly errors: readonly FieldError[];
    }
  | StorageFailure
);

/**
 * The store failed this item's write: nothing of it was stored (one transaction per customer),
 * unless the connection broke while the commit was acknowledged; either way resending is safe,
 * since a stored copy answers `duplicate`.
 */
export interface StorageFailure {
  readonly eventId: string;
  readonly status: 'failed';
  readonly rule: 'insufficient-storage' | 'storage-unavailable' | 'key-unavailable';
  readonly message: string;
}

export interface IngestReport {
  readonly results: readonly ItemResult[];
  /** Highest global position written by this request (for read-your-writes), if any. */
  readonly position?: bigint;
}

/** Customers handled at once; each customer's touchpoints stay in request order. */
const CUSTOMER_CONCURRENCY = 16;

const ERASURE_ACTIONS: Readonly<Record<string, AccessAction>> = {
  PersonalDataErasureRequested: 'erasure-request',
  PersonalDataErased: 'erasure',
};

/**
 * Validates touchpoints one by one, then sends each customer's valid ones as one command.
 * Shared by every ingest channel (HTTP now, Kafka later) so they answer alike.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly commands: CommandBus,
    private readonly events: EventBus,
    private readonly storage: StorageGuard,
    @Inject(ACCESS_LOG) private readonly accessLog: AccessLog,
  ) {}

  async ingest(
    items: readonly unknown[],
    now = new Date(),
    channel: IngestChannel = 'http',
    keyName = channel === 'kafka' ? 'kafka' : 'anonymous',
  ): Promise<IngestReport> {
    // A volume below its reserve refuses the whole request before anything is written.
    this.storage.assertWritable();
    const results: ItemResult[] = new Array(items.length);
    const byCustomer = new Map<string, { index: number; touchpoint: ValidTouchpoint }[]>();
    items.forEach((item, index) => {
      const outcome = validateTouchpoint(item, now);
      if (!outcome.valid) {
        const eventId = (item as { eventId?: unknown } | null)?.eventId;
        results[index] = {
          index,
          ...(typeof eventId === 'string' ? { eventId } : {}),
          status: 'invalid',
          errors: outcome.errors,
        };
        return;
      }
      const group = byCustomer.get(outcome.touchpoint.customerId) ?? [];
      group.push({ index, touchpoint: outcome.touchpoint });
      byCustomer.set(outcome.touchpoint.customerId, group);
    });

    const groups = [...byCustomer.entries()];
    let position: bigint | undefined;
    const erasures: { touchpoint: ValidTouchpoint; erasedBy?: string }[] = [];
    await forEachConcurrently(groups, CUSTOMER_CONCURRENCY, async ([customerId, group]) => {
      const outcomes = await this.commands
        .execute(
          new AppendTouchpointsCommand(
            customerId,
            group.map((entry) => entry.touchpoint),
          ),
        )
        .catch((error: unknown) =>
          group.map(({ touchpoint }) => this.failure(touchpoint.eventId, error)),
        );
      outcomes.forEach((outcome, i) => {
        results[group[i].index] = { index: group[i].index, ...outcome };
        if (outcome.status === 'appended' && ERASURE_ACTIONS[group[i].touchpoint.type])
          erasures.push({ touchpoint: group[i].touchpoint, erasedBy: outcome.erasedBy });
        if (
          outcome.status === 'appended' &&
          (position === undefined || outcome.position > position)
        ) {
          position = outcome.position;
        }
      });
    });
    await this.recordErasures(erasures, channel, keyName);
    const outcomes: Partial<Record<ItemResult['status'], number>> = {};
    for (const { status } of results) outcomes[status] = (outcomes[status] ?? 0) + 1;
    this.events.publish(new TouchpointsIngestedEvent(channel, outcomes));
    return { results, position };
  }

  /** Erasure requests and erasures are privileged actions: each leaves an access record. */
  private async recordErasures(
    erasures: readonly { touchpoint: ValidTouchpoint; erasedBy?: string }[],
    channel: IngestChannel,
    keyName: string,
  ): Promise<void> {
    const record = (customerId: string, action: AccessAction, eventId: string) =>
      this.accessLog
        .record({
          at: new Date().toISOString(),
          keyName,
          role: 'ingest',
          route: channel === 'kafka' ? 'kafka ingest' : 'POST /v1/touchpoints',
          action,
          customerId,
          purpose: null,
          outcome: 'done',
          status: 0,
          details: { eventId },
        })
        .catch((error: Error) =>
          this.logger.error(`an erasure's access record was not stored: ${error.message}`),
        );
    for (const { touchpoint, erasedBy } of erasures) {
      await record(touchpoint.customerId, ERASURE_ACTIONS[touchpoint.type], touchpoint.eventId);
      if (erasedBy) await record(touchpoint.customerId, 'erasure', erasedBy);
    }
  }

  /** One customer's write failed in the store: that customer's items say so, the others stand. */
  private failure(eventId: string, error: unknown): StorageFailure {
    const diskFull = this.storage.noteError(error);
    // Name and message only: a driver's error detail can quote the values written.
    this.logger.error(`append failed: ${(error as Error)?.name}: ${(error as Error)?.message}`);
    if (error instanceof MasterKeyUnavailableError) {
      return {
        eventId,
        status: 'failed',
        rule: 'key-unavailable',
        message: `the customer's data key cannot be read (${error.message}); nothing was stored; resend later`,
      };
    }
    return diskFull
      ? {
          eventId,
          status: 'failed',
          rule: 'insufficient-storage',
          message: 'the store is out of disk space; nothing was stored; resend when space is freed',
        }
      : {
          eventId,
          status: 'failed',
          rule: 'storage-unavailable',
          message: 'the store failed the write; resend it (a stored copy answers duplicate)',
        };
  }
}

async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
