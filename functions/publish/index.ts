/** Fan-out of applied events (issue 5): the publication's shape and the publisher. */
export { MAX_MESSAGE_BYTES, publishInputOf, toAppliedEvent } from './appliedEvent';
export { createPublisher, type Publisher, type PublisherOptions } from './createPublisher';
