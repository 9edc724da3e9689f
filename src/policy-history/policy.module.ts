import { Module } from '@nestjs/common';
import { EventStoreModule } from '../event-store/event-store.module';
import { PolicyAdminController } from './policy-admin.controller';
import { PolicyActivations } from './policy-activations.service';
import { POLICY_TIMELINE, policyTimelineProvider } from './policy-timeline.provider';

/**
 * The policy versions and from which position each is in force (stream policy-activations),
 * for every module that derives from events; activating a version (GET/POST /v1/admin/policies).
 */
@Module({
  imports: [EventStoreModule],
  providers: [policyTimelineProvider, PolicyActivations],
  controllers: [PolicyAdminController],
  exports: [POLICY_TIMELINE, PolicyActivations],
})
export class PolicyModule {}
