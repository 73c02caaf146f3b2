/**
 * Errors of the consumer. Each fails its SQS record alone; a record that fails `maxReceiveCount` times goes to
 * the dead-letter queue. Messages name the record and the field, never the body.
 */
export { UnapplicableEventError } from '../store/errors';

/** A record whose body is not JSON or not a v1 normalized event: a poison record. */
export class InvalidRecordError extends Error {
  constructor(
    readonly messageId: string,
    readonly reason: string,
    /** Dotted path of the offending field, when there is one. */
    readonly field?: string,
  ) {
    super(`record ${messageId} is not a v1 normalized event: ${field ? `${field}: ` : ''}${reason}`);
    this.name = new.target.name;
  }
}
