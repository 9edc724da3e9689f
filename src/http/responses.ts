/**
 * The success answer of every read and admin route, as TypeScript types: each controller method
 * is typed to return one of these, and `npm run openapi:schemas` derives their JSON Schemas into
 * responses.schema.json, which the OpenAPI document serves (ApiAnswer in openapi.ts). One source:
 * a field changed in a projection's state changes the compiled controller and, once regenerated,
 * the document; a unit test fails while the generated file is stale.
 *
 * Ingest answers are Nest classes (ingest-result.response.ts); health and metrics keep their own
 * formats (terminus, Prometheus text).
 */
import type { AccessRecord } from '../access-log/access-log.port';
import type {
  TouchpointActivity,
  CustomerExplanation,
  LifecycleStage,
  RmCoverageStatus,
  ValueTier,
} from '../../projections';
import type { CustomerReplay } from '../audit/customer-replay';
import type { KafkaIngestStatus } from '../ingest/kafka-ingest';
import type { PrivacyJobStatus } from '../privacy/privacy-jobs';
import type { CustomerSearchFields, CustomerView } from '../views/customer/customer-read-model';
import type {
  ProjectionStatus,
  RebuildStatus,
} from '../projection-engine/projection-engine.service';
import type { PublisherStatus } from '../publishing/outbox-relay.service';
import type { Topic } from '../outbox/outbound-message';
import type { SchedulerRun } from '../scheduler/threshold-scheduler';
import type { StreamHead } from '../tamper-evidence/checkpoint';
import type { ListedCheckpoint } from '../tamper-evidence/checkpoint-ledger';
import type { VerificationFailure } from '../tamper-evidence/chain-verification';
import type { VerificationJob } from '../tamper-evidence/store-verification';
import type { WhatIfJobStatus } from '../what-if/what-if-job';
import type { WhatIfAffectedPage, WhatIfSummary } from '../what-if/what-if-tally';

/** Counts per known value, every value present (0 when none), plus those not classified yet. */
type CountsOf<K extends string> = Record<K, number> & {
  /** Customers with no value yet (e.g. no stage before their first touchpoint is projected). */
  unclassified?: number;
};

/** GET /v1/customers/{customerId}: the customer 360 and the stream revision it reflects. */
export type Customer360Answer = CustomerView & {
  /** The customer's stream revision the document reflects. */
  revision: number;
};

/** One customer in an audience: the fields audiences filter and sort on. */
export type AudienceMember = CustomerSearchFields &
  Pick<CustomerView, 'contactablePurposes' | 'privacy'> & {
    customerId: string;
    revision: number;
  };

/** GET /v1/customers: a page of an audience. */
export interface AudienceAnswer {
  customers: AudienceMember[];
  /** Present when more customers match: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** GET /v1/stats/funnel */
export interface FunnelAnswer {
  stages: CountsOf<LifecycleStage>;
  total: number;
}

/** GET /v1/stats/tiers */
export interface TiersAnswer {
  tiers: CountsOf<ValueTier>;
  total: number;
}

/** RM coverage of one relationship manager's customers who need contact. */
export interface RmCoverageCount {
  rmId: string;
  ok: number;
  due: number;
  overdue: number;
  /** ok + due of those who need contact, in percent (one decimal); null when none do. */
  coveragePercent: number | null;
}

/** GET /v1/stats/coverage */
export interface CoverageAnswer {
  overall: CountsOf<RmCoverageStatus> & {
    /** Of customers who need an RM: ok + due, in percent (one decimal); null when none do. */
    coveragePercent: number | null;
  };
  byRelationshipManager: RmCoverageCount[];
}

/** GET /v1/stats/transitions: stage moves whose cause happened in [from, to). */
export interface TransitionsAnswer {
  from: string;
  to: string;
  entered: CountsOf<LifecycleStage>;
  left: CountsOf<LifecycleStage>;
  total: number;
}

/** GET /v1/stats/activity: touchpoints per day and type, across all customers. */
export interface ActivityAnswer {
  from: string;
  to: string;
  /**
   * Every touchpoint up to this position is counted (later ones may be too: partitions move
   * on independently); null before the view has projected anything.
   */
  asOfPosition: string | null;
  /** One row per day and type with touchpoints, oldest day first, then by type. */
  activity: TouchpointActivity[];
}

/** A touchpoint exactly as stored. */
export interface StoredEventAnswer {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  recordedAt: string;
  revision: number;
  /** Global position, a decimal string. */
  position: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** GET /v1/customers/{customerId}/events */
export interface CustomerEventsAnswer {
  customerId: string;
  events: StoredEventAnswer[];
  /** Present when more events follow: pass it as `fromRevision`. */
  nextFromRevision?: number;
}

/** GET /v1/customers/{customerId}/replay */
export type CustomerReplayAnswer = CustomerReplay;

/** A message of the outbox as a structured-mode CloudEvent 1.0. */
export interface CloudEventAnswer {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  /** The customer id (the Kafka key). */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** Extension attribute: the feed's cursor, total order of the outbox. */
  sequence: string;
  /** Extension attribute: the Kafka topic the message goes to. */
  topic: Topic;
  data: Record<string, unknown>;
}

/** GET /v1/feed */
export interface FeedAnswer {
  messages: CloudEventAnswer[];
  /** Pass it as `after` to read on; null while the feed is empty. */
  nextCursor: string | null;
}

/** GET /v1/admin/projections */
export interface ProjectionsAnswer {
  projections: ProjectionStatus[];
}

/** POST /v1/admin/projections/{name}/rebuild (202) */
export interface RebuildAnswer {
  rebuild: RebuildStatus;
}

/** GET /v1/admin/publisher */
export type PublisherAnswer = PublisherStatus;

/** POST /v1/admin/scheduler/run */
export type SchedulerRunAnswer = SchedulerRun;

/** GET /v1/admin/ingest */
export interface IngestStatusAnswer {
  kafka: KafkaIngestStatus;
}

/** GET /v1/admin/privacy */
export interface PrivacyStatusAnswer {
  /** The key id new data keys are wrapped with (the first of PII_MASTER_KEYS). */
  currentMasterKey: string;
  keys: { active: number; shredded: number };
  /** The job running, or the last one this instance ran. */
  job?: PrivacyJobStatus;
}

/** POST /v1/admin/privacy/{job} (202) */
export interface PrivacyJobAnswer {
  job: PrivacyJobStatus;
}

/** PUT /v1/admin/customers/{customerId}/legal-hold */
export interface LegalHoldAnswer {
  customerId: string;
  held: boolean;
  /** The case the hold belongs to. */
  reference: string;
  /** The LegalHoldChanged event recorded in the customer's stream. */
  eventId: string;
  /** Its global position (pass it as minPosition to read the 360 with it applied). */
  position: string | null;
}

/** GET /v1/audit/access */
export interface AccessLogAnswer {
  /** Oldest first. */
  records: AccessRecord[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** POST /v1/audit/what-if (202) and GET /v1/audit/what-if/{id} */
export interface WhatIfAnswer {
  job: WhatIfJobStatus;
  /** Once finished: the counts over every customer replayed. */
  result?: WhatIfSummary;
  /** Once finished: a page of the customers affected, by customer id (`limit`, `after`, `changed`). */
  affectedCustomers?: WhatIfAffectedPage;
}

/** GET /v1/audit/checkpoints */
export interface CheckpointsAnswer {
  /** Fingerprint of the signing key (first 16 bytes of SHA-256 over its SPKI DER, hex). */
  keyId: string;
  /** The Ed25519 public key (SPKI PEM) that verifies the signatures: keep it outside. */
  publicKey: string;
  /** The latest checkpoint, checked whole by this instance; null before the first. */
  latest: { sequence: number; verified: boolean; problem?: string } | null;
  /** Oldest first. */
  checkpoints: ListedCheckpoint[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: number;
}

/** GET /v1/audit/customers/{customerId}/verify */
export interface CustomerVerificationAnswer {
  customerId: string;
  streamId: string;
  /** No failure, and the latest checkpoint (if any) verifies. */
  passed: boolean;
  events: number;
  /** The stream's last event as stored. */
  head: { revision: number; hash: string | null; position: string } | null;
  failures: VerificationFailure[];
  /** The latest signed checkpoint and whether it verifies. */
  checkpoint: (ListedCheckpoint & { verified: boolean; problem?: string }) | null;
  /**
   * RFC 6962 inclusion proof of the stream's head at that checkpoint: the leaf is the canonical
   * JSON [streamId, revision, hash]; null when no verified checkpoint covers the stream yet.
   */
  proof: {
    leaf: StreamHead;
    leafIndex: number;
    treeSize: number;
    /** Sibling hashes from the leaf up, hex. */
    path: string[];
    root: string;
  } | null;
}

/** GET and POST /v1/audit/verify, POST /v1/admin/hash-chain/backfill */
export interface VerificationJobAnswer {
  job: VerificationJob | null;
}

/** POST /v1/admin/audit-checkpoints */
export interface RecordCheckpointAnswer {
  /** Checkpoints recorded by this call (0 when every event was covered already). */
  recorded: number;
  latest: ListedCheckpoint | null;
}

/**
 * GET /v1/customers/{customerId}/explain: why the stage, tier, churn risk and RM coverage are what
 * they are, as known at the moment asked about.
 */
export type CustomerExplainAnswer = CustomerExplanation &
  Pick<CustomerReplay, 'asOf' | 'lastKnown'>;

/** One policy activation (GET /v1/admin/policies, POST /v1/admin/policies 201). */
export interface PolicyActivationAnswer {
  policyVersion: string;
  /** SHA-256 (hex) of the policy document's RFC 8785 canonical JSON. */
  contentHash: string;
  /** The file it was activated from. */
  file: string;
  /** In force for events at this global position and after (until the next activation). */
  position: string;
  /** The PolicyActivated event in stream policy-activations. */
  eventId: string;
  activatedAt: string;
}

/** GET /v1/admin/policies */
export interface PolicyHistoryAnswer {
  /** The version in force now. */
  inForce: string;
  /** Oldest first. */
  activations: PolicyActivationAnswer[];
}
