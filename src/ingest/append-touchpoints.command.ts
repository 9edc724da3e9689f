import { Command } from '@nestjs/cqrs';
import { ValidTouchpoint } from './touchpoint-validator';

export type TouchpointOutcome =
  | {
      readonly eventId: string;
      readonly status: 'appended';
      readonly revision: number;
      readonly position: bigint;
      /** An erasure request carried out at once: the PersonalDataErased appended with it. */
      readonly erasedBy?: string;
    }
  | { readonly eventId: string; readonly status: 'duplicate'; readonly revision: number }
  | {
      readonly eventId: string;
      readonly status: 'rejected';
      readonly rule: string;
      readonly message: string;
      readonly field?: string;
    }
  | { readonly eventId: string; readonly status: 'conflict'; readonly message: string };

/** Append validated touchpoints of one customer, in the order given. */
export class AppendTouchpointsCommand extends Command<readonly TouchpointOutcome[]> {
  constructor(
    readonly customerId: string,
    readonly touchpoints: readonly ValidTouchpoint[],
  ) {
    super();
  }
}

/**
 * Append events the engine names itself (the scheduler's threshold events, a retention-expired
 * erasure) for one customer, through the same decider as touchpoints. Only the engine sends
 * it: ingest (HTTP, Kafka) refuses system-only types before any command is built.
 *
 * `expectedRevision` is the stream revision the events were computed from. An id the stream
 * holds already is answered `duplicate` (deterministic ids: a second run, or a second instance,
 * appends nothing); when the stream has moved on past that revision, the new ones are answered
 * `conflict` and nothing is appended (the caller asks again from newer state); otherwise the
 * decider judges each against the stream and the accepted ones are appended at that revision.
 */
export class AppendSystemEventsCommand extends Command<readonly TouchpointOutcome[]> {
  constructor(
    readonly customerId: string,
    readonly events: readonly ValidTouchpoint[],
    readonly expectedRevision: number,
  ) {
    super();
  }
}
