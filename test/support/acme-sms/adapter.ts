/**
 * A provider that exists only in the tests, added the way `docs/adding-a-provider.md` says: this adapter file, its
 * fixtures (`events/acme-sms/`), a registry entry (the tests hand it to the pipeline and the docs, as the registry
 * would) and its credentials. It signs form bodies with HMAC-SHA256 over the public URL and the sorted parameters
 * and answers `text/plain` `OK`.
 */
import * as z from 'zod/mini';
import type { CanonicalStatus } from '../../../functions/events/status';
import { formRecord } from '../../../functions/origin/form';
import { urlWithSortedParams } from '../../../functions/origin/payloads';
import { hmacScheme } from '../../../functions/origin/schemes/hmac';
import { makeEvent, mapStatus, statusOfProviderStatus, validate } from '../../../functions/providers/common';
import type { ProviderAdapter } from '../../../functions/providers/types';
import { eventIdOf } from '../../../functions/core/ids';

export const ACME_STATUSES: Readonly<Record<string, CanonicalStatus>> = {
  accepted: 'accepted',
  sent: 'sent',
  delivered: 'delivered',
  failed: 'failed',
};

const StatusSchema = z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)), status: z.string().check(z.maxLength(32)) });

export const acmeSms: ProviderAdapter = {
  id: 'acme-sms',
  displayName: 'Acme SMS',
  authentication: 'signature',
  origin: [hmacScheme({ header: 'x-acme-signature', algorithm: 'sha256', encoding: 'base64', payload: urlWithSortedParams })],
  defaultTimeZone: 'UTC',
  catalog: [{ providerEvent: 'status', type: 'message.status', channel: 'sms', statuses: ACME_STATUSES }],
  normalize(request, context) {
    const report = validate(StatusSchema, formRecord(request.params));
    const { status, final } = mapStatus(ACME_STATUSES, report.status);
    return {
      events: [
        makeEvent(
          {
            eventId: eventIdOf('acme-sms', report.id, report.status),
            provider: 'acme-sms',
            channel: 'sms',
            type: 'message.status',
            messageId: report.id,
            status,
            final,
            providerStatus: report.status,
            raw: report,
          },
          context,
        ),
      ],
    };
  },
  statusOf: statusOfProviderStatus(ACME_STATUSES),
  reply: ({ normalized, queued }) =>
    normalized.events.every((event) => queued.has(event.eventId))
      ? { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'OK' }
      : { statusCode: 503, headers: { 'content-type': 'text/plain' }, body: 'RETRY' },
};
