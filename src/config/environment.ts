import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { API_KEYS_PATTERN } from '../security/api-keys';
import { MASTER_KEYS_PATTERN } from './master-keys';
import { StartupError } from './startup-error';

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every environment variable the service reads, with its default and its rule. Checked once at
 * start-up: a bad value stops the process with one line naming the variable.
 */
export class Environment {
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  /** Embedded PGlite data folder, used when DATABASE_URL is not set. */
  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  /**
   * Free space (MB) the embedded default keeps on DATA_DIR's volume: below it, writes get 507 and
   * readiness fails until space is freed. Default: 5 % of the volume or 512 MB, the smaller.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  DATA_DIR_MIN_FREE_MB?: number;

  /**
   * fsync every commit of the embedded database (PGlite ships with it off). Off is faster and
   * survives a crash of the process, not of the host: acknowledged events can be lost.
   */
  @Transform(toBool)
  @IsBoolean()
  EMBEDDED_FSYNC = true;

  /** A PostgreSQL server instead of embedded PGlite, e.g. postgres://user:pass@host:5432/db. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 20;

  /** Most touchpoints one POST /v1/touchpoints may carry. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  INGEST_MAX_BATCH = 500;

  /** Largest accepted request body, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  INGEST_MAX_BODY_BYTES = 5 * 1024 * 1024;

  /** Deepest nesting of objects and arrays a JSON body may have (deeper: 400 before parsing). */
  @Transform(toInt)
  @IsInt()
  @Min(8)
  @Max(1000)
  JSON_MAX_DEPTH = 64;

  /** Retries of a command whose append met a concurrent writer, before answering 409. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(50)
  INGEST_CONFLICT_RETRIES = 16;

  /**
   * Event ids the ingest keeps in its decider views of recently used customers (about 100 bytes
   * each), so that a command reads only the customer's newer events. 0 reads whole streams.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  DECIDER_CACHE_EVENTS = 500_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * Who may call the API: `name:role[+role]:sha256-hex-of-key`, comma-separated (make one with
   * `npm run api-key -- --name N --roles R`). Unset: every route is open (a warning says so).
   */
  @IsOptional()
  @Matches(API_KEYS_PATTERN, {
    message:
      'must be name:role[+role]:sha256-hex entries separated by commas, roles ingest, read, audit, admin, metrics',
  })
  API_KEYS?: string;

  /** Serve the OpenAPI document at /docs-json and Swagger UI at /docs. */
  @Transform(toBool)
  @IsBoolean()
  API_DOCS = true;

  /** The versioned policy file (thresholds, bands, weights); a relative path is taken from the package root. */
  @IsString()
  @MinLength(1)
  POLICY_FILE = 'policy/retail-bank.v1.json';

  /** How often the scheduler looks for customers whose time thresholds have passed. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  SCHEDULER_INTERVAL_MS = 60_000;

  /** Longest a query with ?minPosition= waits for the projection to catch up. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  READ_YOUR_WRITES_TIMEOUT_MS = 5_000;

  /**
   * How long the projection lease lasts without renewal (renewed every third of it): how soon
   * another instance takes over projecting when the holder dies without releasing it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(600_000)
  PROJECTION_LEASE_TTL_MS = 15_000;

  /**
   * Partitions each view is split into (by a stable hash of the customer id), shared between the
   * instances of a deployment; each has its own lease and checkpoint. Changing it takes a rebuild.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  PROJECTION_PARTITIONS = 1;

  /** Where events live: PostgreSQL (embedded PGlite, or the server at DATABASE_URL) or EventStoreDB. */
  @IsIn(['postgres', 'eventstoredb'])
  EVENT_STORE = 'postgres';

  @ValidateIf(
    (env: Environment) => env.EVENT_STORE === 'eventstoredb' || env.EVENTSTOREDB_URL !== undefined,
  )
  @Matches(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb):\/\/\S+$/, {
    message:
      'must be an esdb:// (or kurrentdb://) connection string, required when EVENT_STORE=eventstoredb',
  })
  EVENTSTOREDB_URL?: string;

  /** Where read models live: PostgreSQL (same database as the events by default) or MongoDB. */
  @IsIn(['postgres', 'mongodb'])
  READ_MODEL_STORE = 'postgres';

  @ValidateIf(
    (env: Environment) => env.READ_MODEL_STORE === 'mongodb' || env.MONGODB_URL !== undefined,
  )
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, {
    message: 'must be a mongodb:// URL, required when READ_MODEL_STORE=mongodb',
  })
  MONGODB_URL?: string;

  @Matches(/^[A-Za-z0-9_-]{1,63}$/, { message: 'must be 1-63 letters, digits, _ or -' })
  MONGODB_DATABASE = 'customer_lifecycle';

  /** Where outbox messages go besides the HTTP feed (always on): nowhere else, or Kafka. */
  @IsIn(['feed', 'kafka'])
  PUBLISHER = 'feed';

  /** Consume touchpoints from Kafka (KAFKA_INGEST_TOPIC) besides the HTTP ingest. */
  @Transform(toBool)
  @IsBoolean()
  KAFKA_INGEST = false;

  @ValidateIf(
    (env: Environment) =>
      env.PUBLISHER === 'kafka' || env.KAFKA_INGEST === true || env.KAFKA_BROKERS !== undefined,
  )
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, {
    message: 'must be host:port[,host:port...], required when PUBLISHER=kafka or KAFKA_INGEST=true',
  })
  KAFKA_BROKERS?: string;

  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'must be 1-100 letters, digits, ., _ or -' })
  KAFKA_CLIENT_ID = 'customer-lifecycle-engine';

  @Matches(/^[A-Za-z0-9._-]{1,249}$/, { message: 'must be a Kafka topic name' })
  KAFKA_INGEST_TOPIC = 'crm.touchpoints.ingest.v1';

  @Matches(/^[A-Za-z0-9._-]{1,249}$/, { message: 'must be a Kafka topic name' })
  KAFKA_DEAD_LETTER_TOPIC = 'crm.touchpoints.ingest.v1.dlq';

  @Matches(/^[A-Za-z0-9._-]{1,249}$/, { message: 'must be a Kafka consumer group id' })
  KAFKA_INGEST_GROUP = 'customer-lifecycle-engine-ingest';

  /**
   * Master keys that wrap the customers' data keys: `kid:base64` entries (32-byte keys), comma
   * separated, the first one current. Unset: the embedded default keeps one in
   * DATA_DIR/pii-master.key (made on first start, with a warning); NODE_ENV=production refuses
   * to start without it.
   */
  @IsOptional()
  @Matches(MASTER_KEYS_PATTERN, {
    message: 'must be kid:base64 entries (32-byte keys) separated by commas',
  })
  PII_MASTER_KEYS?: string;

  /**
   * The Ed25519 private key (PKCS#8, PEM or base64 DER) that signs the audit checkpoints. Unset:
   * the embedded default keeps one in DATA_DIR/audit-signing.key (made on first start, with a
   * warning); required on servers and with NODE_ENV=production.
   */
  @IsOptional()
  @IsString()
  AUDIT_SIGNING_KEY?: string;

  /** A signed checkpoint after this many events (those of the checkpoint stream not counted)... */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  AUDIT_CHECKPOINT_EVERY_EVENTS = 1000;

  /** ...or after this long, when any event is not yet covered. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  AUDIT_CHECKPOINT_INTERVAL_MS = 60_000;

  /** Unwrapped data keys kept in memory (least recently used out); 0 caches none. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  PII_KEY_CACHE_SIZE = 10_000;

  /** `production` makes a missing PII_MASTER_KEYS a start-up error. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** Most outbox messages relayed to the publisher at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  RELAY_BATCH_SIZE = 500;

  /** Pause of the relay when the outbox has nothing new. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  RELAY_INTERVAL_MS = 200;
}

/** Variables without a default: absent unless given. */
const OPTIONAL_VARIABLES = [
  'DATABASE_URL',
  'EVENTSTOREDB_URL',
  'MONGODB_URL',
  'KAFKA_BROKERS',
  'API_KEYS',
  'DATA_DIR_MIN_FREE_MB',
  'PII_MASTER_KEYS',
  'AUDIT_SIGNING_KEY',
  'NODE_ENV',
];

export class InvalidEnvironmentError extends StartupError {
  constructor(
    readonly variable: string,
    rule: string,
  ) {
    super(`Invalid environment variable ${variable}: ${rule}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** For `ConfigModule.forRoot({ validate })`: returns the typed, defaulted environment. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const known = Object.keys(new Environment());
  const given = Object.fromEntries(
    Object.entries(raw).filter(
      ([key, value]) => (known.includes(key) || OPTIONAL_VARIABLES.includes(key)) && value !== '',
    ),
  );
  const environment = plainToInstance(Environment, given);
  const [error] = validateSync(environment);
  if (error) {
    // Name the type rule before range rules: "must be an integer" says more than "must be <= 65535".
    const constraints = error.constraints ?? {};
    const key =
      Object.keys(constraints).find((name) => /^is[A-Z]/.test(name)) ?? Object.keys(constraints)[0];
    const rule = constraints[key] ?? 'is invalid';
    throw new InvalidEnvironmentError(
      error.property,
      rule.replace(new RegExp(`^${error.property} `), ''),
    );
  }
  return environment;
}
