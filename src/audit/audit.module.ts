import { Module } from '@nestjs/common';
import { PolicyModule } from '../policy-history/policy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { CustomerExplainController } from './customer-explain.controller';
import { CustomerHistoryController } from './customer-history.controller';
import { CustomerReplayController } from './customer-replay.controller';

@Module({
  imports: [EventStoreModule, PolicyModule, PrivacyModule],
  controllers: [CustomerHistoryController, CustomerReplayController, CustomerExplainController],
})
export class AuditModule {}
