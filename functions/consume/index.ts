/** The consumer: SQS batch → status store → topic of applied events. */
export { applyEvent, outcomeOfRefusal, outcomeOfWrite, type ApplyContext, type EventResult } from './applyEvent';
export { consumerDependenciesFromEnv } from './config';
export { createConsumerHandler, DEFAULT_CLAIM_SECONDS, type ConsumerDependencies } from './createConsumerHandler';
export { InvalidRecordError, UnapplicableEventError } from './errors';
export { parseRecord } from './parseRecord';
