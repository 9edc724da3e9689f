import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { LIFECYCLE_STAGES, VALUE_TIERS } from '../../../projections';
import { IDENTIFIER } from '../../domain/touchpoints/validation';
import { MAX_PAGE_SIZE } from '../../read-models/read-model-store.port';

const ID_MESSAGE = '$property must be an identifier of 1-64 letters, digits, ".", "_", ":" or "-"';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/** `?minPosition=` on every query: wait (bounded) until the read models reflect that position. */
export class ReadYourWritesParams {
  @IsOptional()
  @Matches(/^\d{1,20}$/, { message: 'minPosition must be a global position as returned by ingest' })
  minPosition?: string;
}

/** `?limit=`: the page size of list queries. */
export class PageParams extends ReadYourWritesParams {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export const COVERAGE_STATUSES = ['not-required', 'unassigned', 'ok', 'due', 'overdue'] as const;

export const CUSTOMER_SORTS = {
  id: 'id',
  churnRisk: 'search.churnScore',
  lastActivity: 'search.lastActivityAt',
  nextContactDue: 'search.nextContactDueAt',
} as const;

export class CustomerListParams extends PageParams {
  @IsOptional()
  @IsIn(LIFECYCLE_STAGES)
  stage?: string;

  @IsOptional()
  @IsIn(VALUE_TIERS)
  tier?: string;

  @IsOptional()
  @Matches(IDENTIFIER, { message: ID_MESSAGE })
  branch?: string;

  @IsOptional()
  @Matches(IDENTIFIER, { message: ID_MESSAGE })
  rm?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  minChurnRisk?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  maxChurnRisk?: number;

  /** true: customers marketing may reach (a contactable purpose under the consent model); false: none. */
  @IsOptional()
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'marketingConsent must be true or false' })
  marketingConsent?: boolean;

  @IsOptional()
  @IsIn(COVERAGE_STATUSES)
  coverage?: string;

  @IsOptional()
  @IsIn(Object.keys(CUSTOMER_SORTS))
  sort?: keyof typeof CUSTOMER_SORTS;

  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @IsOptional()
  @IsString()
  cursor?: string;
}

export class TransitionWindowParams extends ReadYourWritesParams {
  @IsISO8601({ strict: true })
  from!: string;

  @IsISO8601({ strict: true })
  to!: string;
}
