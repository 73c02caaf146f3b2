/**
 * Errors of the status store. A thrown error fails the SQS record (it is retried, then dead-lettered), so each
 * says which event and why, never what the event contained.
 */

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An event that can never be applied, however often it is retried: a poison record. */
export class UnapplicableEventError extends StoreError {
  constructor(
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`event ${eventId} cannot be applied: ${reason}`);
  }
}
