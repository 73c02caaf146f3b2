/**
 * Publishes applied events on the topic. At-least-once with the consumer: an event is published after it is
 * recorded, and a failed publish fails the SQS record, whose retry publishes again (recording being idempotent).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AppliedEvent } from '../events/applied';
import { logger } from '../core/logger';
import { publishInputOf } from './appliedEvent';

export interface Publisher {
  /** Publishes `applied`; throws when SNS did not take it. */
  publish(applied: AppliedEvent): Promise<void>;
}

export interface PublisherOptions {
  readonly sns: SNSClient;
  readonly topicArn: string;
}

/**
 * @example
 * ```ts
 * import { SNSClient } from '@aws-sdk/client-sns';
 * import type { NormalizedEvent } from '../events';
 * import type { Outcome } from '../store/items';
 * import { toAppliedEvent } from './appliedEvent';
 * declare const topicArn: string;
 * declare const event: NormalizedEvent;
 * declare const outcome: Outcome;
 * const publisher = createPublisher({ sns: new SNSClient({}), topicArn });
 * await publisher.publish(toAppliedEvent(event, outcome));
 * ```
 */
export function createPublisher(options: PublisherOptions): Publisher {
  return {
    async publish(applied) {
      const { rawOmitted, dataOmitted, ...input } = publishInputOf(options.topicArn, applied);
      if (rawOmitted) {
        logger.warn(`applied event published with raw: null${dataOmitted ? ' and data omitted' : ''}, too large for SNS`, {
          eventId: applied.eventId,
          provider: applied.provider,
        });
      }
      await options.sns.send(new PublishCommand(input));
    },
  };
}
