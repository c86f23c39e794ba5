import { type Attributes, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { IngestBatch } from '@ragops/contracts';
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_RAGOPS_BATCH,
  ATTR_RAGOPS_DELIVERY_ATTEMPT,
  ATTR_RAGOPS_DOCUMENTS,
  ATTR_RAGOPS_INDEX,
  ATTR_RAGOPS_JOB_ID,
  ATTR_RAGOPS_TENANT,
  contextWithLogFields,
  inSpan,
  remoteSpanContext,
  type TraceCarrier,
  traceHeaders,
  tracingActive,
  unsampledTrace,
  withLogFields,
} from '@ragops/telemetry';

/** `messaging.system` of the in-process transport and queue (all-in-one mode). */
export const IN_PROCESS_MESSAGING_SYSTEM = 'ragops_in_process';

/** Health probes are plumbing, not requests: untraced, so a probe every few seconds does not flood the backend. */
export function isProbeSubject(subject: string): boolean {
  return subject.endsWith('.health');
}

export interface QueueTraceInfo {
  system: string;
  subject: string;
  /** The message id (JetStream msgID `jobId:batch`). */
  messageId: string;
  batch: IngestBatch;
}

function batchAttributes(info: QueueTraceInfo): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: info.system,
    [ATTR_MESSAGING_DESTINATION_NAME]: info.subject,
    [ATTR_MESSAGING_MESSAGE_ID]: info.messageId,
    [ATTR_RAGOPS_JOB_ID]: info.batch.jobId,
    [ATTR_RAGOPS_BATCH]: info.batch.batch,
    [ATTR_RAGOPS_DOCUMENTS]: info.batch.documents.length,
    [ATTR_RAGOPS_TENANT]: info.batch.tenant,
    [ATTR_RAGOPS_INDEX]: info.batch.index,
  };
}

/**
 * Publishes one queue message inside a PRODUCER span `send <subject>` (a child of the request that enqueues it) and
 * hands `publish` the headers carrying that span's context, so the consumer can link back to it. With tracing off,
 * `publish` gets no headers and nothing else happens.
 */
export function tracedPublish<T>(info: QueueTraceInfo, publish: (headers: Record<string, string> | undefined) => Promise<T>): Promise<T> {
  if (!tracingActive()) return publish(undefined);
  if (unsampledTrace()) return publish(traceHeaders());
  const attributes = { ...batchAttributes(info), [ATTR_MESSAGING_OPERATION_TYPE]: 'send', [ATTR_MESSAGING_OPERATION_NAME]: 'send' };
  return inSpan(`send ${info.subject}`, { kind: SpanKind.PRODUCER, attributes }, () => publish(traceHeaders()));
}

/**
 * Runs a consumer's handler for one delivery inside a CONSUMER span `process <subject>`. The span starts a trace of
 * its own and LINKS to the producer's span named in `carrier`: ingest work happens long after the request that
 * enqueued it has answered, and may be redelivered, so it is not a child of that request but points at it. Log lines
 * carry the job id and tenant, and nothing of the enqueuing request's context.
 */
export function tracedConsume<T>(info: QueueTraceInfo & { consumerGroup: string; attempt: number }, carrier: TraceCarrier | undefined, handle: () => Promise<T>): Promise<T> {
  const fields = { jobId: info.batch.jobId, tenant: info.batch.tenant };
  if (!tracingActive()) return withLogFields(fields, handle);
  const producer = remoteSpanContext(carrier);
  const attributes = {
    ...batchAttributes(info),
    [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
    [ATTR_MESSAGING_OPERATION_NAME]: 'process',
    [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: info.consumerGroup,
    [ATTR_RAGOPS_DELIVERY_ATTEMPT]: info.attempt,
  };
  return inSpan(
    `process ${info.subject}`,
    { kind: SpanKind.CONSUMER, root: true, attributes, ...(producer ? { links: [{ context: producer }] } : {}) },
    handle,
    contextWithLogFields(ROOT_CONTEXT, fields),
  );
}
