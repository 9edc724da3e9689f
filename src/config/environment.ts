import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

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

  /** Retries of a command whose append met a concurrent writer, before answering 409. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(50)
  INGEST_CONFLICT_RETRIES = 16;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** The versioned policy file (thresholds, bands, weights), relative to the working directory. */
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
}

export class InvalidEnvironmentError extends Error {
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
      ([key, value]) => (known.includes(key) || key === 'DATABASE_URL') && value !== '',
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
