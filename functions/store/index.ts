/**
 * The status store: table design (`keys.ts`), item shapes (`items.ts`), conditional writes (`expressions.ts`) and
 * the store that sends them (`createStatusStore.ts`).
 */
export {
  createStatusStore,
  type Claim,
  type ClaimRequest,
  type HistoryEntry,
  type Known,
  type StateWrite,
  type StatusStore,
  type StatusStoreOptions,
  type StoredMessage,
} from './createStatusStore';
export { ClaimHeldBySameMessageError, StoreError, UnapplicableEventError } from './errors';
export { claimsWith, SUPERSEDES_CONDITION, type StateClaims } from './expressions';
export {
  assertApplicable,
  canonicalTime,
  eventJsonWithin,
  expiresAtOf,
  orderedOf,
  orderedOfEvent,
  UNTRUSTED_ORDER_AT,
  recordedEvent,
  storedEventOf,
  toHistoryItem,
  type HistoryItem,
  type Outcome,
  type PublicationItem,
  type StateItem,
} from './items';
export { historySortKey, messagePartitionKey, publicationSortKey, partitionKeyOf, RECORD_KINDS, STATE_SORT_KEY, type RecordKind } from './keys';
