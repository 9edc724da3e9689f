import { ActiveKey, KeyRecord, KeyStore, Tombstone } from './key-store.port';
import { WrappedDataKey } from './master-key.port';

/** For unit tests only. */
export class InMemoryKeyStore implements KeyStore {
  private readonly records = new Map<string, KeyRecord>();

  async find(customerId: string): Promise<KeyRecord> {
    return this.records.get(customerId) ?? { state: 'none' };
  }

  async create(customerId: string, key: WrappedDataKey): Promise<KeyRecord> {
    if (!this.records.has(customerId))
      this.records.set(customerId, { state: 'active', key, createdAt: new Date().toISOString() });
    return this.records.get(customerId)!;
  }

  async shred(customerId: string, tombstone: Tombstone): Promise<void> {
    if (this.records.get(customerId)?.state !== 'shredded')
      this.records.set(customerId, { state: 'shredded', tombstone });
  }

  async rewrap(customerId: string, from: WrappedDataKey, to: WrappedDataKey): Promise<boolean> {
    const record = this.records.get(customerId);
    if (record?.state !== 'active' || record.key.wrapped !== from.wrapped) return false;
    this.records.set(customerId, { ...record, key: to });
    return true;
  }

  async listActive(afterCustomerId: string | undefined, limit: number): Promise<ActiveKey[]> {
    return [...this.records]
      .filter(
        ([id, record]) =>
          record.state === 'active' && (afterCustomerId === undefined || id > afterCustomerId),
      )
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([customerId, record]) => ({
        customerId,
        key: (record as { key: WrappedDataKey }).key,
      }));
  }

  async counts() {
    const states = [...this.records.values()].map((record) => record.state);
    return {
      active: states.filter((state) => state === 'active').length,
      shredded: states.filter((state) => state === 'shredded').length,
    };
  }
}
