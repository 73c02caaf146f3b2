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

/**
 * Another copy of the same SQS message holds the claim to publish this event and has not published it yet: this
 * copy fails, so the queue retries it after its visibility timeout, by when the first has published (the retry then
 * finds it done) or died (the retry takes the expired claim over). Never dropped quietly: the first copy may fail.
 */
export class ClaimHeldBySameMessageError extends StoreError {
  constructor(readonly eventId: string) {
    super(`event ${eventId} is being published by another copy of the same SQS message; retry later`);
  }
}
