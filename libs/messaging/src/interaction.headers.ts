import type { InteractionRecord } from '@ragops/contracts';

/**
 * Headers every interaction record carries, readable without its payload: the feedback join's index entry (tenant,
 * request id, variant), and with the timestamp and outcome everything online evaluation decides before it needs the
 * record itself (re-delivery, failed query, sampling) — so a record outside the sample is never decoded.
 */
export const INTERACTION_HEADERS = {
  tenant: 'Ragops-Tenant',
  requestId: 'Ragops-Request-Id',
  variant: 'Ragops-Variant',
  timestamp: 'Ragops-Timestamp',
  outcome: 'Ragops-Outcome',
} as const;

/** An interaction record's header fields, as read back. */
export interface InteractionHeaderFields {
  tenant: string;
  requestId: string;
  variant: string;
  timestamp: number;
  outcome: InteractionRecord['outcome'];
}

/** The headers published with `record`. */
export function interactionHeaders(record: InteractionRecord): Record<string, string> {
  return {
    [INTERACTION_HEADERS.tenant]: record.tenant,
    [INTERACTION_HEADERS.requestId]: record.requestId,
    [INTERACTION_HEADERS.variant]: record.variant.id,
    [INTERACTION_HEADERS.timestamp]: String(record.timestamp),
    [INTERACTION_HEADERS.outcome]: record.outcome,
  };
}

/**
 * The record's header fields, or undefined when any is missing or malformed — a record from a publisher that sends
 * fewer headers (before the timestamp and outcome were added) is then read in full.
 */
export function readInteractionHeaders(headers: Readonly<Record<string, string>>): InteractionHeaderFields | undefined {
  const tenant = headers[INTERACTION_HEADERS.tenant];
  const requestId = headers[INTERACTION_HEADERS.requestId];
  const variant = headers[INTERACTION_HEADERS.variant];
  const outcome = headers[INTERACTION_HEADERS.outcome];
  const timestamp = headers[INTERACTION_HEADERS.timestamp];
  if (!tenant || !requestId || !variant || !timestamp || !/^\d{1,15}$/.test(timestamp)) return undefined;
  if (outcome !== 'ok' && outcome !== 'error') return undefined;
  return { tenant, requestId, variant, timestamp: Number(timestamp), outcome };
}
