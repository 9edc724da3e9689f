import { Module } from '@nestjs/common';
import { PolicyModule } from '../config/policy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { CustomerHistoryController } from './customer-history.controller';
import { CustomerReplayController } from './customer-replay.controller';

@Module({
  imports: [EventStoreModule, PolicyModule, PrivacyModule],
  controllers: [CustomerHistoryController, CustomerReplayController],
})
export class AuditModule {}
