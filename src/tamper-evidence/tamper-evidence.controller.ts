import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { AccessAudited } from '../access-log/access-audit';
import { customerStreamId, EVENT_STORE, EventStore } from '../event-store/event-store.port';
import { RequiresRole } from '../security/api-key.guard';
import { NotFoundError } from '../http/errors/errors';
import { ApiAnswer, ApiErrorAnswer, ApiQueryFrom } from '../http/openapi';
import type {
  CheckpointsAnswer,
  CustomerVerificationAnswer,
  RecordCheckpointAnswer,
  VerificationJobAnswer,
} from '../http/responses';
import { parseQuery } from '../http/errors/validation-errors';
import { customerIdParam } from '../ingest/touchpoint.dto';
import { CheckpointLedger } from './checkpoint-ledger';
import { Checkpointer } from './checkpointer';
import { verifyStream } from './chain-verification';
import { CHECKPOINT_SIGNING_KEY, CheckpointSigningKey } from './signing-key';
import { StoreVerification } from './store-verification';

export class CheckpointParams {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'after must be a checkpoint sequence number' })
  @Min(0, { message: 'after must be a checkpoint sequence number' })
  after?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 1000' })
  @Min(1, { message: 'limit must be an integer from 1 to 1000' })
  @Max(1000, { message: 'limit must be an integer from 1 to 1000' })
  limit?: number;
}

/**
 * For auditors: the hash chain and the signed checkpoints (docs/auditing.md). Reading these
 * reveals no personal data: hashes, positions, signatures.
 */
@ApiTags('audit')
@RequiresRole('audit')
@Controller('v1/audit')
export class TamperEvidenceController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly ledger: CheckpointLedger,
    private readonly verification: StoreVerification,
    @Inject(CHECKPOINT_SIGNING_KEY) private readonly key: CheckpointSigningKey,
  ) {}

  @Get('checkpoints')
  @ApiOperation({
    summary: 'The signed checkpoints, oldest first, with the public key that verifies them',
  })
  @ApiQueryFrom(CheckpointParams)
  @ApiAnswer(200, 'CheckpointsAnswer', 'checkpoints after the cursor and the signing key')
  async checkpoints(@Query() query: Record<string, unknown>): Promise<CheckpointsAnswer> {
    const params = parseQuery(CheckpointParams, query);
    await this.ledger.refresh();
    const after = params.after ?? 0;
    const limit = params.limit ?? 100;
    const page = this.ledger
      .list()
      .filter((checkpoint) => checkpoint.sequence > after)
      .slice(0, limit);
    const latest = this.ledger.checkedLatest();
    return {
      keyId: this.key.keyId,
      publicKey: this.key.publicKeyPem,
      latest: latest
        ? {
            sequence: latest.checkpoint.sequence,
            verified: latest.problem === undefined,
            ...(latest.problem ? { problem: latest.problem } : {}),
          }
        : null,
      checkpoints: page,
      ...(page.length === limit ? { nextCursor: page[page.length - 1].sequence } : {}),
    };
  }

  @Get('customers/:customerId/verify')
  @ApiOperation({
    summary:
      "Verifies one customer's hash chain, and proves its head is in the latest signed checkpoint",
  })
  @ApiAnswer(200, 'CustomerVerificationAnswer', 'the verdict, failures, and the Merkle proof')
  async verifyCustomer(
    @Param('customerId') customerId: string,
  ): Promise<CustomerVerificationAnswer> {
    customerIdParam(customerId);
    const streamId = customerStreamId(customerId);
    await this.ledger.refresh();
    const latest = this.ledger.checkedLatest();
    const trusted = latest && latest.problem === undefined ? latest : undefined;
    const head = trusted ? this.ledger.headsAtLatest().get(streamId) : undefined;
    const events = await this.store.readStream(streamId);
    if (events.length === 0 && head === undefined)
      throw new NotFoundError(`customer ${customerId}`);
    const failures = verifyStream(
      streamId,
      events,
      trusted && {
        sequence: trusted.checkpoint.sequence,
        position: BigInt(trusted.checkpoint.position),
        head,
      },
    );
    const last = events.at(-1);
    const inTree = trusted && this.ledger.proofOf(streamId);
    const proof = trusted && inTree ? { ...inTree, root: trusted.checkpoint.root } : null;
    return {
      customerId,
      streamId,
      passed: failures.length === 0 && (latest === undefined || trusted !== undefined),
      events: events.length,
      head: last
        ? { revision: last.revision, hash: last.hash ?? null, position: String(last.position) }
        : null,
      failures,
      checkpoint: latest
        ? {
            ...latest.checkpoint,
            verified: latest.problem === undefined,
            ...(latest.problem ? { problem: latest.problem } : {}),
          }
        : null,
      proof,
    };
  }

  @Get('verify')
  @ApiOperation({ summary: 'The whole-store verification (or backfill) running, or the last one' })
  @ApiAnswer(200, 'VerificationJobAnswer', 'the job and, once ended, its report')
  status(): VerificationJobAnswer {
    return { job: this.verification.job() ?? null };
  }

  /** 202: runs in the background; follow it in GET /v1/audit/verify (or npm run verify). */
  @Post('verify')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start verifying every stream chain and the checkpoints (npm run verify)',
  })
  @ApiAnswer(202, 'VerificationJobAnswer', 'the job started')
  @ApiErrorAnswer(409, 'a verification or backfill is already running')
  start(): VerificationJobAnswer {
    return { job: this.verification.start('verify').job };
  }
}

/** Operators: chaining events stored before the chain existed, and checkpoints on demand. */
@ApiTags('admin')
@RequiresRole('admin')
@Controller('v1/admin')
export class TamperEvidenceAdminController {
  constructor(
    private readonly verification: StoreVerification,
    private readonly checkpointer: Checkpointer,
    private readonly ledger: CheckpointLedger,
  ) {}

  /** 202: runs in the background; follow it in GET /v1/audit/verify. */
  @Post('hash-chain/backfill')
  @HttpCode(202)
  @AccessAudited('hash-chain-backfill', { purposeRequired: false })
  @ApiOperation({
    summary:
      'Chain the events stored before the hash chain existed (npm run verify -- --backfill), once',
  })
  @ApiAnswer(202, 'VerificationJobAnswer', 'the backfill started')
  @ApiErrorAnswer(409, 'a job is running, or the event store is EventStoreDB')
  backfill(): VerificationJobAnswer {
    return { job: this.verification.start('backfill').job };
  }

  @Post('audit-checkpoints')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record a signed checkpoint now for the events not yet covered (if any)',
  })
  @ApiAnswer(200, 'RecordCheckpointAnswer', 'how many were recorded, and the latest')
  async record(): Promise<RecordCheckpointAnswer> {
    const recorded = await this.checkpointer.runOnce(true);
    return { recorded, latest: this.ledger.latest() ?? null };
  }
}
