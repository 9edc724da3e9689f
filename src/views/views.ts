import { FactoryProvider } from '@nestjs/common';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import { erasureTombstone } from '../privacy/erasure';
import { PersonalDataVault } from '../privacy/personal-data-vault';
import { ProjectionDefinition } from '../projection-engine/projection-definition';
import { PROJECTION_DEFINITIONS } from '../projection-engine/projection-engine.service';
import { customerViewDefinition } from './customer/customer.view';
import { touchpointActivityDefinition } from './touchpoint-activity/touchpoint-activity.view';

/**
 * The views the projection engine keeps, one line each (docs/architecture.md "Adding a view").
 * The customer view comes first: its partition 0 leads the deployment's singleton jobs.
 */
export const viewDefinitionsProvider: FactoryProvider<readonly ProjectionDefinition[]> = {
  provide: PROJECTION_DEFINITIONS,
  inject: [POLICY_TIMELINE, PersonalDataVault],
  useFactory: (policies: PolicyTimeline, vault: PersonalDataVault) => [
    customerViewDefinition(policies, (customerId, event) =>
      vault.shred(customerId, erasureTombstone(event)),
    ),
    touchpointActivityDefinition(),
  ],
};
