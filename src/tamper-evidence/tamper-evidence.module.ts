import { Module } from '@nestjs/common';
import { EventStoreModule } from '../event-store/event-store.module';
import { PostgresModule } from '../postgres/postgres.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { CheckpointLedger } from './checkpoint-ledger';
import { Checkpointer } from './checkpointer';
import { signingKeyProvider } from './signing-key';
import { StoreVerification } from './store-verification';
import {
  TamperEvidenceAdminController,
  TamperEvidenceController,
} from './tamper-evidence.controller';

/** The hash chain's verification, the signed checkpoints, and the backfill (docs/auditing.md). */
@Module({
  imports: [EventStoreModule, PostgresModule, ProjectionEngineModule],
  providers: [signingKeyProvider, CheckpointLedger, Checkpointer, StoreVerification],
  controllers: [TamperEvidenceController, TamperEvidenceAdminController],
})
export class TamperEvidenceModule {}
