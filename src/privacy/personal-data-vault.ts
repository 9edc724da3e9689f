import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { Environment } from '../config/environment';
import { personalFieldsOf } from '../domain/touchpoints';
import { EventToAppend } from '../event-store/event-store.port';
import { KEY_STORE, KeyRecord, KeyStore, Tombstone } from './key-store.port';
import { MASTER_KEY, MasterKey, MasterKeyUnavailableError } from './master-key.port';
import {
  envelopeOf,
  EnvelopeIntegrityError,
  open,
  seal,
  withMarkers,
} from './personal-data-envelope';

/** A customer whose key is shredded gets no new personal data: the decider refuses it first. */
export class CustomerErasedError extends Error {
  constructor(customerId: string) {
    super(`customer ${customerId} was erased: her data key is shredded`);
    this.name = 'CustomerErasedError';
  }
}

/** An erased or unreadable marker put in place of a personal field. */
const isMarker = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && ('erased' in value || 'unreadable' in value);

/** Counters the metrics endpoint reads. */
export interface VaultCounters {
  cacheHits: number;
  cacheMisses: number;
  keysCreated: number;
  keysShredded: number;
}

/** An event as the audit read shows it. */
export interface RevealableEvent {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Seals personal fields into the event at ingest and opens them for the audit read, with one
 * data key per customer (created on her first personal field, wrapped by the master key, kept in
 * the key store). Unwrapped keys are cached in memory, bounded by PII_KEY_CACHE_SIZE, least
 * recently used first out, dropped when shredded.
 */
@Injectable()
export class PersonalDataVault {
  private readonly cache = new Map<string, Buffer>();
  /** Customers this instance shredded: a key unwrapped before the shred is not cached after. */
  private readonly shredded = new Set<string>();
  private readonly cacheSize: number;
  readonly counters: VaultCounters = {
    cacheHits: 0,
    cacheMisses: 0,
    keysCreated: 0,
    keysShredded: 0,
  };

  constructor(
    @Inject(KEY_STORE) private readonly keys: KeyStore,
    @Inject(MASTER_KEY) private readonly master: MasterKey,
    config: ConfigService<Environment, true>,
  ) {
    this.cacheSize = config.get('PII_KEY_CACHE_SIZE', { infer: true });
  }

  get cachedKeys(): number {
    return this.cache.size;
  }

  /** The events with their personal fields sealed; those without any go unchanged. */
  async seal(customerId: string, events: readonly EventToAppend[]): Promise<EventToAppend[]> {
    let dataKey: Buffer | undefined;
    const sealed: EventToAppend[] = [];
    for (const event of events) {
      const fields = personalFieldsOf(event.type, event.version).filter(
        (field) => event.data[field] !== undefined,
      );
      if (fields.length === 0) {
        sealed.push(event);
        continue;
      }
      dataKey ??= await this.keyFor(customerId, true);
      const data = seal(event.data, fields, dataKey, { customerId, ...event });
      sealed.push({ ...event, data });
    }
    return sealed;
  }

  /**
   * `data` of each event as an auditor may read it: personal fields decrypted; after erasure each
   * is `{erased: true, erasedBy}`; a ciphertext that does not authenticate for this customer and
   * event is `{unreadable: reason}` (altered, or copied from another record), never garbage.
   */
  async reveal(
    customerId: string,
    events: readonly RevealableEvent[],
  ): Promise<Record<string, unknown>[]> {
    if (!events.some((event) => envelopeOf(event.data)))
      return events.map((event) => ({ ...event.data }));
    const record = await this.keys.find(customerId);
    let dataKey: Buffer | undefined;
    let keyProblem = `customer ${customerId} has no data key`;
    if (record.state === 'active') {
      try {
        dataKey = await this.unwrapCached(customerId, record);
      } catch (error) {
        // A master key removed before rotation finished, or an altered wrapped key.
        if (!(error instanceof MasterKeyUnavailableError)) throw error;
        keyProblem = error.message;
      }
    }
    return events.map((event) => {
      if (!envelopeOf(event.data)) return { ...event.data };
      if (record.state === 'shredded')
        return withMarkers(event.data, { erased: true, erasedBy: record.tombstone.erasureEventId });
      if (!dataKey) return withMarkers(event.data, { unreadable: keyProblem });
      try {
        return open(event.data, dataKey, { customerId, ...event });
      } catch (error) {
        if (!(error instanceof EnvelopeIntegrityError)) throw error;
        return withMarkers(event.data, { unreadable: error.message });
      }
    });
  }

  /**
   * A stored event's data in the open, to compare a resend with: `personalReadable` false (and
   * the personal fields left out) when they cannot be opened any more, after erasure.
   */
  async openStored(
    customerId: string,
    event: RevealableEvent,
  ): Promise<{ data: Record<string, unknown>; personalReadable: boolean }> {
    const envelope = envelopeOf(event.data);
    if (!envelope) return { data: { ...event.data }, personalReadable: true };
    const [data] = await this.reveal(customerId, [event]);
    if (envelope.fields.every((field) => !isMarker(data[field])))
      return { data, personalReadable: true };
    const plain = { ...data };
    for (const field of envelope.fields) delete plain[field];
    return { data: plain, personalReadable: false };
  }

  /** Destroys the customer's data key (idempotent): her sealed fields can never be read again. */
  async shred(customerId: string, tombstone: Tombstone): Promise<void> {
    this.shredded.add(customerId);
    await this.keys.shred(customerId, tombstone);
    this.evict(customerId);
    this.counters.keysShredded++;
  }

  async find(customerId: string): Promise<KeyRecord> {
    return this.keys.find(customerId);
  }

  private async keyFor(customerId: string, create: boolean): Promise<Buffer> {
    const cached = this.cache.get(customerId);
    if (cached) {
      this.counters.cacheHits++;
      this.cache.delete(customerId);
      this.cache.set(customerId, cached);
      return cached;
    }
    this.counters.cacheMisses++;
    let record = await this.keys.find(customerId);
    if (record.state === 'none' && create) {
      const fresh = randomBytes(32);
      const wrapped = await this.master.wrap(customerId, fresh);
      record = await this.keys.create(customerId, wrapped);
      fresh.fill(0);
      // Not when a concurrent writer's key won.
      if (record.state === 'active' && record.key.wrapped === wrapped.wrapped)
        this.counters.keysCreated++;
    }
    if (record.state !== 'active') throw new CustomerErasedError(customerId);
    return this.remember(customerId, await this.master.unwrap(customerId, record.key));
  }

  private async unwrapCached(customerId: string, record: Extract<KeyRecord, { state: 'active' }>) {
    const cached = this.cache.get(customerId);
    if (cached) {
      this.counters.cacheHits++;
      return cached;
    }
    this.counters.cacheMisses++;
    return this.remember(customerId, await this.master.unwrap(customerId, record.key));
  }

  private remember(customerId: string, key: Buffer): Buffer {
    // Shredded while it was being unwrapped: never cached again.
    if (this.cacheSize === 0 || this.shredded.has(customerId)) return key;
    this.cache.set(customerId, key);
    while (this.cache.size > this.cacheSize) {
      const [oldest] = this.cache.keys();
      this.evict(oldest);
    }
    return key;
  }

  /** Not zeroed: a seal or reveal in flight may still hold it; the collector reclaims it. */
  private evict(customerId: string): void {
    this.cache.delete(customerId);
  }
}
