/** A touchpoint as the domain sees it: the envelope fields the decider and projections need. */
export interface DomainEvent {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  /** ISO 8601 UTC. */
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}
