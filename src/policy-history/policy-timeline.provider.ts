import { Logger, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { basename } from 'node:path';
import { uuidV5 } from '../../projections';
import { Environment } from '../config/environment';
import { loadPolicyDocument } from '../config/policy-file';
import {
  EVENT_STORE,
  EventStore,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import {
  activationEvent,
  POLICY_STREAM,
  policyContentHash,
  PolicyTimeline,
} from './policy-timeline';

/** The app's one timeline of policy activations: what every module derives events under. */
export const POLICY_TIMELINE = Symbol('PolicyTimeline');

/** Namespace of the first activation's id: instances starting together append it once. */
const FIRST_ACTIVATION_NAMESPACE = '5b4c2f0e-3d7a-5e9b-8c1f-2a6d4e8b0c13';

/** Reads the activations stored after those the timeline knows; returns how many it read. */
export async function readActivations(
  store: EventStore,
  timeline: PolicyTimeline,
  fromRevision: number,
): Promise<number> {
  const events = await store.readStream(POLICY_STREAM, { fromRevision });
  for (const event of events) timeline.observe(event);
  return events.length;
}

/**
 * The policy activations stored, read at start-up. On a store without any, the policy in
 * POLICY_FILE is activated first (at the next position; history stored before it is projected
 * under it too). Afterwards POLICY_FILE changes nothing: `npm run policy -- activate` does.
 */
export const policyTimelineProvider: Provider = {
  provide: POLICY_TIMELINE,
  inject: [ConfigService, EVENT_STORE],
  useFactory: async (
    config: ConfigService<Environment, true>,
    store: EventStore,
  ): Promise<PolicyTimeline> => {
    const file = config.get('POLICY_FILE', { infer: true });
    const { document, policy } = loadPolicyDocument(file);
    const timeline = new PolicyTimeline();
    await readActivations(store, timeline, 0);
    if (timeline.list().length === 0) {
      const id = uuidV5(`first|${policyContentHash(document)}`, FIRST_ACTIVATION_NAMESPACE);
      await store
        .appendToStream(
          POLICY_STREAM,
          [activationEvent(document, policy, basename(file), id)],
          'no_stream',
        )
        .catch((error: unknown) => {
          // Another instance was first: read what it stored.
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
        });
      await readActivations(store, timeline, 0);
      if (timeline.list().length === 0)
        throw new Error(
          `the policy activation stream ${POLICY_STREAM} holds no readable activation`,
        );
    } else if (timeline.latest().contentHash !== policyContentHash(document)) {
      new Logger('Policy').warn(
        `POLICY_FILE ${file} (${policy.policyVersion}) is not the policy in force (${timeline.latest().policyVersion}, activated ${timeline.latest().activatedAt}): ` +
          'POLICY_FILE only seeds an empty store; activate a policy with npm run policy -- activate <file>',
      );
    }
    return timeline;
  },
};
