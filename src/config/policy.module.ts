import { Module } from '@nestjs/common';
import { policyProvider } from './policy.provider';

/** The policy, loaded and validated once, for every module that derives from events. */
@Module({
  providers: [policyProvider],
  exports: [policyProvider],
})
export class PolicyModule {}
