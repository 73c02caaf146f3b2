/**
 * What the simulator sends: one message's life as a provider would report it, built from the provider's recorded
 * fixtures (`test/events/<provider>/`), with a fresh message id so every run is a new message.
 */
import type { CanonicalStatus } from '../../functions/events/status';

import type { Fixture } from '../fixtures';

export type { Fixture };

/** One callback as the provider would send it. */
export interface Callback {
  /** What it reports, for the printout: `status_id 7`, `<state>deliver</state>`. */
  readonly label: string;
  /** @default POST */
  readonly method?: 'GET' | 'POST';
  /** Absent for a GET. */
  readonly contentType?: string;
  /** The body, or for a GET the query string. */
  readonly body: string;
}

/** One message through its statuses, in the order the provider sends them. */
export interface MessageScript {
  readonly provider: string;
  /** The id `GET /messages/{provider}/{messageId}` knows it by (docs/design.md "Routes"). */
  readonly messageId: string;
  readonly callbacks: readonly Callback[];
  /** The status the store must end in, whatever the order and the duplicates. */
  readonly expectedStatus: CanonicalStatus;
}

/** Builds a provider's scripts; one per provider in `./index.ts`, all with this shape. */
export interface ProviderScenario {
  readonly provider: string;
  /**
   * One message's callbacks from the provider's fixtures. `seed` makes the ids fresh and distinct between runs
   * and between the messages of one run; `start` is when the first status happened.
   */
  script(fixtures: readonly Fixture[], seed: number, start: Date): MessageScript;
}
