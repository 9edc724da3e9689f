import { Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { retainedAt, THRESHOLD_EVENT_NAMESPACE, uuidV5 } from '../../projections';
import { Environment } from '../config/environment';
import { PolicyTimeline } from '../policy-history/policy-timeline';
import { POLICY_TIMELINE } from '../policy-history/policy-timeline.provider';
import {
  CustomerWriteState,
  decide,
  evolveWriteState,
  writeStateRetention,
} from '../domain/decider';
import {
  DomainEvent,
  SYSTEM_TOUCHPOINT_TYPES,
  upcast,
  withoutPersonalData,
} from '../domain/touchpoints';
import { contentKeyOf } from '../event-store/event-content';
import {
  customerStreamId,
  EVENT_STORE,
  EventStore,
  EventToAppend,
  eventToAppend,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { failpoint } from '../config/failpoint';
import { erasureTombstone } from '../privacy/erasure';
import { CustomerErasedError, PersonalDataVault } from '../privacy/personal-data-vault';
import {
  AppendSystemEventsCommand,
  AppendTouchpointsCommand,
  TouchpointOutcome,
} from './append-touchpoints.command';
import { ValidTouchpoint } from './touchpoint-validator';
import { KeyedSerialiser } from '../shared/keyed-serialiser';
import { EMPTY_VIEW, WriteView, WriteViewCache } from './write-view-cache';

/** The decider names payload fields relative to `data`; answers name them from the touchpoint's root. */
const ENVELOPE_FIELDS = ['eventId', 'customerId', 'type', 'version', 'occurredAt'];

/** What one command asks of a customer's stream. */
interface AppendRequest {
  readonly customerId: string;
  readonly touchpoints: readonly ValidTouchpoint[];
  /**
   * The engine's own events (AppendSystemEventsCommand): the revision they were computed from.
   * Absent for touchpoints, which are decided against whatever the stream holds now.
   */
  readonly expectedRevision?: number;
}

const toDomainEvent = ({ eventId, type, version, occurredAt, data }: RecordedEvent): DomainEvent =>
  upcast({ eventId, type, version, occurredAt, data });

/**
 * Load the customer's stream, let the decider accept or refuse each touchpoint against history
 * (and against the touchpoints accepted before it in this command), append the accepted ones at
 * the revision we read. Within this process one customer's commands queue; a writer in another
 * instance makes the append fail, and then we read again and decide again, a bounded number of
 * times (docs/architecture.md rule 2).
 *
 * "Load" reads only what is new: the decider's view of recently used customers is kept
 * (DECIDER_CACHE_EVENTS), and only the events after its revision are read and folded in.
 *
 * The engine's own events (AppendSystemEventsCommand, from the scheduler) take the same path,
 * queue and decider; they alone may carry system-only types, and they are appended only at the
 * revision they were computed from (see the command).
 */
@CommandHandler(AppendTouchpointsCommand)
export class AppendTouchpointsHandler implements ICommandHandler<AppendTouchpointsCommand> {
  private readonly retries: number;
  private readonly perCustomer = new KeyedSerialiser();
  private readonly views: WriteViewCache;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    @Inject(POLICY_TIMELINE) private readonly policies: PolicyTimeline,
    config: ConfigService<Environment, true>,
  ) {
    this.retries = config.get('INGEST_CONFLICT_RETRIES', { infer: true });
    this.views = new WriteViewCache(config.get('DECIDER_CACHE_EVENTS', { infer: true }));
  }

  execute(command: AppendTouchpointsCommand): Promise<readonly TouchpointOutcome[]> {
    return this.perCustomer.run(command.customerId, () => this.executeNow(command));
  }

  /** AppendSystemEventsCommand, through AppendSystemEventsHandler. */
  executeSystem(command: AppendSystemEventsCommand): Promise<readonly TouchpointOutcome[]> {
    return this.perCustomer.run(command.customerId, () =>
      this.executeNow({
        customerId: command.customerId,
        touchpoints: command.events,
        expectedRevision: command.expectedRevision,
      }),
    );
  }

  private async executeNow(command: AppendRequest): Promise<readonly TouchpointOutcome[]> {
    const streamId = customerStreamId(command.customerId);
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await backoff(attempt);
      try {
        return await this.attempt(streamId, command);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
    return command.touchpoints.map((touchpoint) => ({
      eventId: touchpoint.eventId,
      status: 'conflict',
      message: `customer ${command.customerId} kept changing concurrently; retry the request`,
    }));
  }

  /** The customer's stream as the decider sees it, read from where the cached view ends. */
  private async currentView(streamId: string): Promise<WriteView> {
    const cached = this.views.get(streamId) ?? EMPTY_VIEW;
    const newer = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
    const view = advance(cached, newer);
    if (view !== cached) this.views.set(streamId, view);
    return view;
  }

  private async attempt(streamId: string, command: AppendRequest): Promise<TouchpointOutcome[]> {
    const view = await this.currentView(streamId);
    const { known } = view;
    let state = view.state;
    const system = command.expectedRevision !== undefined;
    /** The engine's events were computed from an older stream: the new ones wait for a re-ask. */
    const movedOn = system && view.revision !== command.expectedRevision;

    const outcomes: (TouchpointOutcome | 'pending')[] = [];
    const accepted: ValidTouchpoint[] = [];
    /** Events the engine adds (an erasure nothing holds back): no outcome of their own. */
    const engineAdded = new Map<string, string>();
    for (const touchpoint of command.touchpoints) {
      // An id the stream holds already: duplicate or reused, judged on the stored event's
      // opened content here, since sealing the resend would need a key that may be shredded.
      const storedAt = known.get(touchpoint.eventId);
      if (storedAt !== undefined) {
        outcomes.push(await this.repeated(streamId, command.customerId, touchpoint, storedAt));
        continue;
      }
      // An id this command holds already: the store compares the two (one place decides it).
      if (accepted.some((o) => o.eventId === touchpoint.eventId)) {
        outcomes.push('pending');
        accepted.push(touchpoint);
        continue;
      }
      if (!system && SYSTEM_TOUCHPOINT_TYPES.includes(touchpoint.type)) {
        outcomes.push(systemOnly(touchpoint));
        continue;
      }
      if (movedOn) {
        outcomes.push({
          eventId: touchpoint.eventId,
          status: 'conflict',
          message: `customer ${command.customerId} is at revision ${view.revision}, not ${command.expectedRevision}; ask again from the newer state`,
        });
        continue;
      }
      const event = upcast(touchpoint);
      const decision = decide(state, event, this.policies.current());
      if (!decision.accepted) {
        const { rule, message, field } = decision;
        outcomes.push({
          eventId: touchpoint.eventId,
          status: 'rejected',
          rule,
          message,
          ...(field ? { field: ENVELOPE_FIELDS.includes(field) ? field : `data.${field}` } : {}),
        });
        continue;
      }
      state = evolveWriteState(state, event);
      accepted.push(touchpoint);
      outcomes.push('pending');
      const erasure = this.erasureNow(touchpoint, state);
      if (erasure) {
        state = evolveWriteState(state, erasure);
        accepted.push(erasure);
        engineAdded.set(erasure.eventId, touchpoint.eventId);
      }
    }
    if (accepted.length === 0) return outcomes as TouchpointOutcome[];

    // Personal fields leave `data` for the customer's sealed envelope before anything is stored.
    let sealed: EventToAppend[];
    try {
      sealed = await this.vault.seal(command.customerId, accepted.map(eventToAppend));
    } catch (error) {
      // A key shredded without an erasure in the stream (one recorded before keys existed).
      if (!(error instanceof CustomerErasedError)) throw error;
      return outcomes.map((outcome, index) =>
        outcome === 'pending' ? erased(command.touchpoints[index].eventId) : outcome,
      );
    }
    const result = await this.store.appendToStream(
      streamId,
      sealed,
      view.revision < 0 ? 'no_stream' : view.revision,
    );
    const erasedBy = new Map(
      result.outcomes
        .filter((outcome) => engineAdded.has(outcome.eventId) && outcome.status === 'appended')
        .map((outcome) => [engineAdded.get(outcome.eventId)!, outcome.eventId]),
    );
    const stored: TouchpointOutcome[] = result.outcomes
      .filter((outcome) => !engineAdded.has(outcome.eventId))
      .map((outcome) =>
        outcome.status === 'reused'
          ? reused(outcome.eventId, outcome.revision)
          : outcome.status === 'appended' && erasedBy.has(outcome.eventId)
            ? { ...outcome, erasedBy: erasedBy.get(outcome.eventId)! }
            : outcome,
      );
    // The erasure is durable first; then the key goes. A crash in between is finished by the
    // projection engine, which shreds again when it projects the event (and on every rebuild).
    for (const event of sealed) {
      const outcome = result.outcomes.find((o) => o.eventId === event.eventId);
      if (event.type === 'PersonalDataErased' && outcome?.status !== 'reused') {
        failpoint('erasure-appended');
        await this.vault.shred(command.customerId, erasureTombstone(event));
      }
    }
    return outcomes.map((outcome) => (outcome === 'pending' ? stored.shift()! : outcome));
  }

  /**
   * A customer's erasure request that nothing holds back (no legal hold, no anti-money-laundering
   * evidence to keep at the time of the request) is carried out in the same append: the
   * PersonalDataErased after it has an id derived from the request's, so a retry appends it once.
   * Otherwise the request restricts the data and the scheduler erases when the window ends.
   */
  private erasureNow(request: ValidTouchpoint, after: CustomerWriteState): ValidTouchpoint | null {
    if (request.type !== 'PersonalDataErasureRequested' || after.legalHold || after.erased)
      return null;
    if (retainedAt(writeStateRetention(after, this.policies.current()), request.occurredAt))
      return null;
    return {
      eventId: uuidV5(
        `${request.customerId}|erasure|${request.eventId}`,
        THRESHOLD_EVENT_NAMESPACE,
      ),
      customerId: request.customerId,
      type: 'PersonalDataErased',
      version: 1,
      occurredAt: request.occurredAt,
      data: { requestId: request.data.requestId, reason: 'customer-request' },
      metadata: { sourceSystem: 'privacy', causationId: request.eventId },
    };
  }

  /**
   * A resend of an event the stream holds: `duplicate` when its content is the stored one's,
   * `reused` otherwise. Compared in the open; when the stored personal fields can no longer be
   * opened (the customer was erased), on the rest of the content.
   */
  private async repeated(
    streamId: string,
    customerId: string,
    touchpoint: ValidTouchpoint,
    revision: number,
  ): Promise<TouchpointOutcome> {
    const [stored] = await this.store.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    const opened = await this.vault.openStored(customerId, stored);
    const content = (data: Readonly<Record<string, unknown>>) =>
      contentKeyOf({
        type: touchpoint.type,
        version: touchpoint.version,
        occurredAt: touchpoint.occurredAt,
        data,
      });
    const same =
      contentKeyOf({ ...stored, data: opened.data }) ===
      content(
        opened.personalReadable
          ? touchpoint.data
          : (withoutPersonalData(touchpoint.type, touchpoint.version, touchpoint.data).data ?? {}),
      );
    return same
      ? { eventId: touchpoint.eventId, status: 'duplicate', revision }
      : reused(touchpoint.eventId, revision);
  }
}

/**
 * The engine's own event types arrive only in AppendSystemEventsCommand; ingest refuses them
 * already (touchpoint-validator), and so does the touchpoints' command.
 */
const systemOnly = ({ eventId, type }: ValidTouchpoint): TouchpointOutcome => ({
  eventId,
  status: 'rejected',
  rule: 'system-event',
  field: 'type',
  message: `${type} is appended by the engine itself`,
});

const erased = (eventId: string): TouchpointOutcome => ({
  eventId,
  status: 'rejected',
  rule: 'customer-erased',
  message: 'the customer was erased; no further touchpoints are accepted',
});

/** The id is taken by an event with other content: a producer bug must not pass unseen. */
const reused = (eventId: string, revision: number): TouchpointOutcome => ({
  eventId,
  status: 'rejected',
  rule: 'event-id-reused',
  field: 'eventId',
  message: `eventId ${eventId} is already stored (revision ${revision}) with other content; a new fact needs a new eventId`,
});

/**
 * The scheduler's command: its events take the touchpoints' handler, so one customer's commands
 * share one queue, one decider and one cached view whichever path they come by.
 */
@CommandHandler(AppendSystemEventsCommand)
export class AppendSystemEventsHandler implements ICommandHandler<AppendSystemEventsCommand> {
  constructor(private readonly touchpoints: AppendTouchpointsHandler) {}

  execute(command: AppendSystemEventsCommand): Promise<readonly TouchpointOutcome[]> {
    return this.touchpoints.executeSystem(command);
  }
}

/** The events after what the view holds, folded in. */
function advance(view: WriteView, newer: readonly RecordedEvent[]): WriteView {
  if (newer.length === 0) return view;
  const known = new Map(view.known);
  for (const event of newer) known.set(event.eventId, event.revision);
  return {
    revision: newer[newer.length - 1].revision,
    state: newer.map(toDomainEvent).reduce(evolveWriteState, view.state),
    known,
  };
}

/** Jittered exponential backoff so racing writers spread out: ~5, 10, 20 ms ... capped at 200. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
}
