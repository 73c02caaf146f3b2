import { ValidationError } from '../../functions/core/errors';

/** The `ValidationError` that `run` throws; fails the test when it throws anything else or nothing. */
export function validationErrorOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}
