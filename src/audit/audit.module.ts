import { Module } from '@nestjs/common';
import { EventStoreModule } from '../event-store/event-store.module';
import { CustomerHistoryController } from './customer-history.controller';

@Module({
  imports: [EventStoreModule],
  controllers: [CustomerHistoryController],
})
export class AuditModule {}
