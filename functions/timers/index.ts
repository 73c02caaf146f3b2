export { createTimerStore, timerItemOf, type Timer, type TimerItem, type TimerStore } from './createTimerStore';
export { createSweeperHandler, SweepFailedError, type SweeperDependencies } from './createSweeperHandler';
export { DUE_KINDS, type DueKind, type DueContext } from './kinds';
export { duePartitionKey, dueSortKey, hourOf, hoursBetween, CURSOR_KEY } from './keys';
export {
  parseStaleHoursByProvider,
  STALE_KIND,
  STALE_PROVIDER_STATUS,
  staleEventIdOf,
  staleEventOf,
  staleHoursOf,
  staleTimerOf,
  type StaleWindows,
} from './stale';
export { sweep, type SendEvents, type SweepFailure, type SweepOptions, type SweepReport, type SweptEvent } from './sweep';
