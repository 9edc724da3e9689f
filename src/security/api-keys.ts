import { createHash } from 'node:crypto';

/**
 * What a caller may do. Each route needs one role; a key holds one or more.
 * ingest: POST touchpoints. read: the 360, audiences, stats, the feed (marketing, operators).
 * audit: stored histories and as-of replays (they show personal data as sent). admin: rebuilds,
 * the scheduler, publisher and ingest status. metrics: the Prometheus scrape, nothing else.
 */
export const ROLES = ['ingest', 'read', 'audit', 'admin', 'metrics'] as const;
export type Role = (typeof ROLES)[number];

const ROLE = `(?:${ROLES.join('|')})`;
const ENTRY = `[A-Za-z0-9_.-]{1,64}:${ROLE}(?:\\+${ROLE})*:[0-9a-f]{64}`;
/** `name:role[+role...]:sha256-hex-of-the-key`, entries separated by commas. */
export const API_KEYS_PATTERN = new RegExp(`^${ENTRY}(?:,${ENTRY})*$`);

export interface ApiKeyHolder {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

export const hashApiKey = (key: string): string =>
  createHash('sha256').update(key, 'utf8').digest('hex');

/** The configured holders by the hash of their key; only hashes are ever configured or kept. */
export function parseApiKeys(value: string): ReadonlyMap<string, ApiKeyHolder> {
  if (!API_KEYS_PATTERN.test(value)) throw new Error('API_KEYS is malformed');
  const holders = new Map<string, ApiKeyHolder>();
  for (const entry of value.split(',')) {
    const [name, roles, hash] = entry.split(':');
    holders.set(hash, { name, roles: new Set(roles.split('+') as Role[]) });
  }
  return holders;
}
