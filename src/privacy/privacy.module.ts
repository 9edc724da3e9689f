import { Module } from '@nestjs/common';
import { AccessLogModule } from '../access-log/access-log.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { keyStoreProvider } from './key-store.provider';
import { LegalHoldController } from './legal-hold.controller';
import { masterKeyProvider } from './master-key.provider';
import { PersonalDataVault } from './personal-data-vault';
import { PrivacyAdminController } from './privacy-admin.controller';
import { PrivacyJobs } from './privacy-jobs';

/** Personal data sealed per customer, its keys, and their shredding (README, "Personal data"). */
@Module({
  imports: [ReadModelsModule, EventStoreModule, AccessLogModule],
  controllers: [PrivacyAdminController, LegalHoldController],
  providers: [masterKeyProvider, keyStoreProvider, PersonalDataVault, PrivacyJobs],
  exports: [PersonalDataVault],
})
export class PrivacyModule {}
