import { ACCESS_LOG, AccessLog } from '../access-log/access-log.port';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { Environment } from '../config/environment';
import { ConflictError } from '../http/errors/errors';
import { SQL_CLIENT } from '../postgres/postgres.module';
import { SqlClient } from '../postgres/sql-client';
import { KEY_STORE, KeyStore } from './key-store.port';
import { erasureTombstone } from './erasure';
import { MASTER_KEY, MasterKey, MasterKeyUnavailableError } from './master-key.port';
import { SEALED_PERSONAL_DATA } from '../domain/touchpoints';
import { seal } from './personal-data-envelope';
import { personalSchemas, plainPersonalCondition } from './plain-personal-data';
import { CustomerErasedError, PersonalDataVault } from './personal-data-vault';

export const PRIVACY_JOBS = ['rotate-master', 'encrypt-existing'] as const;
export type PrivacyJobKind = (typeof PRIVACY_JOBS)[number];

export interface PrivacyJobStatus {
  readonly kind: PrivacyJobKind;
  readonly state: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Keys (rotate-master) or events (encrypt-existing) to look at, as counted at the start. */
  readonly total: number;
  readonly processed: number;
  /** Keys rewrapped, or events rewritten with their personal fields sealed. */
  readonly changed: number;
  /** rotate-master: keys left as they were because they do not unwrap (see the log). */
  readonly unreadable: number;
  readonly error?: string;
}

export class PrivacyJobRunningError extends ConflictError {
  constructor(kind: PrivacyJobKind) {
    super(`a ${kind} job is already running: follow it in GET /v1/admin/privacy`);
    this.name = 'PrivacyJobRunningError';
  }
}

export class EncryptExistingUnsupportedError extends ConflictError {
  constructor() {
    super(
      'encrypt-existing rewrites stored events in place, which only the PostgreSQL/PGlite event store allows; on EventStoreDB see the README (Personal data)',
    );
    this.name = 'EncryptExistingUnsupportedError';
  }
}

const PAGE = 500;
const CUSTOMER_STREAM = /^customer-(.+)$/;

interface PlainRow {
  position: string | number;
  stream_id: string;
  event_id: string;
  type: string;
  version: number;
  data: Record<string, unknown>;
}

/**
 * The two operator jobs of personal data, run in the background on the service that holds the
 * stores (the embedded database admits one process, so the CLI asks the service):
 * - rotate-master: every data key not wrapped by the current master key is rewrapped by it; no
 *   event is touched. Afterwards an old master key can be removed from PII_MASTER_KEYS.
 * - encrypt-existing: events stored in plain text by an earlier version get their personal
 *   fields sealed in place (the one sanctioned rewrite of stored events), PostgreSQL/PGlite only.
 *   An erased customer (her key shredded, or her erasure recorded before keys existed) gets her
 *   plain fields sealed under a key destroyed at once, so they read as erased.
 */
@Injectable()
export class PrivacyJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger('PersonalData');
  private job?: PrivacyJobStatus;
  private readonly postgresEvents: boolean;

  constructor(
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(MASTER_KEY) private readonly master: MasterKey,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient | null,
    private readonly vault: PersonalDataVault,
    @Inject(ACCESS_LOG) private readonly accessLog: AccessLog,
    config: ConfigService<Environment, true>,
  ) {
    this.postgresEvents = config.get('EVENT_STORE', { infer: true }) === 'postgres';
  }

  /** Names, in the start-up log, how many stored events still hold personal data in plain text. */
  onApplicationBootstrap(): void {
    if (!this.postgresEvents || !this.sql) return;
    // In the background: a full scan of a large event table must not hold up start-up.
    void this.countPlainEvents().then(
      (count) => {
        if (count > 0)
          this.logger.warn(
            `${count} stored events still hold personal data in plain text: run npm run privacy -- encrypt-existing`,
          );
      },
      (error: Error) => this.logger.warn(`could not count plain-text events: ${error.message}`),
    );
  }

  async status() {
    return {
      currentMasterKey: this.master.currentKid,
      keys: await this.keys.counts(),
      ...(this.job ? { job: this.job } : {}),
    };
  }

  /**
   * Each job's end is an access record of its own, with its counts (encrypt-existing is the only
   * sanctioned rewrite of stored events). `keyName` is whoever started it.
   */
  private async recordEnd(keyName: string): Promise<void> {
    const job = this.job!;
    await this.accessLog
      .record({
        at: job.finishedAt ?? new Date().toISOString(),
        keyName,
        role: 'admin',
        route: `job ${job.kind}`,
        action: job.kind,
        customerId: null,
        purpose: null,
        outcome: job.state === 'done' ? 'done' : 'failed',
        status: 0,
        details: {
          startedAt: job.startedAt,
          total: job.total,
          processed: job.processed,
          changed: job.changed,
          unreadable: job.unreadable,
        },
      })
      .catch((error: Error) =>
        this.logger.error(`${job.kind}: its access record was not stored: ${error.message}`),
      );
  }

  start(kind: PrivacyJobKind, keyName = 'anonymous'): PrivacyJobStatus {
    if (this.job?.state === 'running') throw new PrivacyJobRunningError(this.job.kind);
    if (kind === 'encrypt-existing' && (!this.postgresEvents || !this.sql))
      throw new EncryptExistingUnsupportedError();
    const started: PrivacyJobStatus = {
      kind,
      state: 'running',
      startedAt: new Date().toISOString(),
      total: 0,
      processed: 0,
      changed: 0,
      unreadable: 0,
    };
    this.job = started;
    const work = kind === 'rotate-master' ? this.rotateMaster() : this.encryptExisting();
    void work
      .then(
        () => {
          this.update({ state: 'done', finishedAt: new Date().toISOString() });
          this.logger.log(`${kind}: ${this.job!.changed} of ${this.job!.processed} changed`);
        },
        (error: Error) => {
          this.update({
            state: 'failed',
            finishedAt: new Date().toISOString(),
            error: error.message,
          });
          this.logger.error(`${kind} failed: ${error.message}`);
        },
      )
      .then(() => this.recordEnd(keyName));
    return started;
  }

  private update(change: Partial<PrivacyJobStatus>): void {
    this.job = { ...this.job!, ...change };
  }

  private async rotateMaster(): Promise<void> {
    this.update({ total: (await this.keys.counts()).active });
    let after: string | undefined;
    for (;;) {
      const page = await this.keys.listActive(after, PAGE);
      for (const { customerId, key } of page) {
        if (key.kid !== this.master.currentKid) {
          try {
            const dataKey = await this.master.unwrap(customerId, key);
            const rewrapped = await this.master.wrap(customerId, dataKey);
            // False when shredded meanwhile: nothing left to rotate.
            if (await this.keys.rewrap(customerId, key, rewrapped))
              this.update({ changed: this.job!.changed + 1 });
          } catch (error) {
            // One unreadable key (its master key gone, or altered) must not stop the others.
            if (!(error instanceof MasterKeyUnavailableError)) throw error;
            this.update({ unreadable: this.job!.unreadable + 1 });
            this.logger.warn(`rotate-master skipped a key: ${error.message}`);
          }
        }
        this.update({ processed: this.job!.processed + 1 });
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1].customerId;
    }
  }

  /**
   * Customers erased before keys existed have no tombstone, and the projection is past their
   * erasure: shred (tombstone) them first, so their plain fields are sealed under a throwaway
   * key below, never under a live one.
   */
  private async shredErasedCustomers(): Promise<void> {
    let after = '-1';
    for (;;) {
      const page = await this.sql!.query<Omit<PlainRow, 'type' | 'version'>>(
        `SELECT position, stream_id, event_id, data FROM es_events
         WHERE type = 'PersonalDataErased' AND position > $1 ORDER BY position LIMIT ${PAGE}`,
        [after],
      );
      for (const row of page) {
        const customerId = CUSTOMER_STREAM.exec(row.stream_id)?.[1];
        if (customerId !== undefined)
          await this.vault.shred(
            customerId,
            erasureTombstone({ eventId: row.event_id, data: row.data }),
          );
      }
      if (page.length < PAGE) return;
      after = String(page[page.length - 1].position);
    }
  }

  private async countPlainEvents(): Promise<number> {
    const { sql, params } = plainPersonalCondition();
    const [row] = await this.sql!.query<{ count: string | number }>(
      `SELECT count(*) AS count FROM es_events WHERE ${sql}`,
      params,
    );
    return Number(row.count);
  }

  private async encryptExisting(): Promise<void> {
    this.update({ total: await this.countPlainEvents() });
    await this.shredErasedCustomers();
    const { sql, params } = plainPersonalCondition();
    const fieldsOf = new Map(personalSchemas().map((s) => [`${s.type}/${s.version}`, s.fields]));
    let after = '-1';
    for (;;) {
      const page = await this.sql!.query<PlainRow>(
        `SELECT position, stream_id, event_id, type, version, data FROM es_events
         WHERE position > $${params.length + 1} AND ${sql} ORDER BY position LIMIT ${PAGE}`,
        [...params, after],
      );
      for (const row of page) {
        const customerId = CUSTOMER_STREAM.exec(row.stream_id)?.[1];
        if (customerId !== undefined) {
          const context = {
            customerId,
            eventId: row.event_id,
            type: row.type,
            version: row.version,
          };
          const fields = fieldsOf.get(`${row.type}/${row.version}`)!;
          const sealed = await this.vault
            .seal(customerId, [{ ...context, occurredAt: '', data: row.data, metadata: {} }])
            .then(([event]) => event.data)
            .catch((error: unknown) => {
              if (!(error instanceof CustomerErasedError)) throw error;
              // Erased already: sealed under a key that is destroyed at once.
              return seal(row.data, fields, randomBytes(32), context);
            });
          const updated = await this.sql!.query(
            `UPDATE es_events SET data = $1::jsonb
             WHERE position = $2 AND hash IS NULL AND NOT (data ? '${SEALED_PERSONAL_DATA}') RETURNING position`,
            [JSON.stringify(sealed), row.position],
          );
          if (updated.length > 0) this.update({ changed: this.job!.changed + 1 });
        }
        this.update({ processed: this.job!.processed + 1 });
      }
      if (page.length < PAGE) return;
      after = String(page[page.length - 1].position);
    }
  }
}
