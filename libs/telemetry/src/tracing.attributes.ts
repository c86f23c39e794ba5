/**
 * Attribute names used on spans. Stable semantic-convention names come from @opentelemetry/semantic-conventions;
 * the incubating ones (GenAI, messaging) are copied here, as the OpenTelemetry JS docs advise, so a rename upstream
 * cannot silently change what we emit. `ragops.*` are this platform's own.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';

// GenAI (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/)
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';
export const ATTR_GEN_AI_DATA_SOURCE_ID = 'gen_ai.data_source.id';
export const GEN_AI_OPERATION_CHAT = 'chat';
export const GEN_AI_OPERATION_EMBEDDINGS = 'embeddings';
export const GEN_AI_OPERATION_RETRIEVAL = 'retrieval';

// Messaging (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/)
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME = 'messaging.destination.subscription.name';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';

// ragops
export const ATTR_RAGOPS_REQUEST_ID = 'ragops.request_id';
export const ATTR_RAGOPS_TENANT = 'ragops.tenant';
export const ATTR_RAGOPS_VARIANT = 'ragops.variant';
export const ATTR_RAGOPS_PROMPT = 'ragops.prompt';
/** Index version the request searched (a vector-store collection). */
export const ATTR_RAGOPS_INDEX = 'ragops.index';
export const ATTR_RAGOPS_RETRIEVAL_TOP_K = 'ragops.retrieval.top_k';
export const ATTR_RAGOPS_RETRIEVAL_MODE = 'ragops.retrieval.mode';
export const ATTR_RAGOPS_RETRIEVAL_RERANK = 'ragops.retrieval.rerank';
export const ATTR_RAGOPS_RETRIEVAL_CANDIDATES = 'ragops.retrieval.candidates';
export const ATTR_RAGOPS_RETRIEVAL_HITS = 'ragops.retrieval.hits';
export const ATTR_RAGOPS_RETRIEVAL_TOP_SCORE = 'ragops.retrieval.top_score';
export const ATTR_RAGOPS_RETRIEVAL_FILTERED = 'ragops.retrieval.filtered';
export const ATTR_RAGOPS_RERANK_INPUT = 'ragops.rerank.input';
export const ATTR_RAGOPS_EMBED_TEXTS = 'ragops.embedding.texts';
export const ATTR_RAGOPS_EMBED_KIND = 'ragops.embedding.kind';
export const ATTR_RAGOPS_GENERATION_CHUNKS = 'ragops.generation.chunks';
export const ATTR_RAGOPS_GENERATION_DROPPED_CHUNKS = 'ragops.generation.dropped_chunks';
export const ATTR_RAGOPS_GENERATION_CITATIONS = 'ragops.generation.citations';
export const ATTR_RAGOPS_COST_USD = 'ragops.cost_usd';
export const ATTR_RAGOPS_USAGE_ESTIMATED = 'ragops.usage.estimated';
export const ATTR_RAGOPS_JOB_ID = 'ragops.ingest.job_id';
export const ATTR_RAGOPS_BATCH = 'ragops.ingest.batch';
export const ATTR_RAGOPS_DOCUMENTS = 'ragops.ingest.documents';
export const ATTR_RAGOPS_DELIVERY_ATTEMPT = 'ragops.ingest.attempt';
/** The query text, only as LOG_CONTENT allows (hash or redacted); absent by default. */
export const ATTR_RAGOPS_QUERY = 'ragops.query';
/** The answer text, only as LOG_CONTENT allows; absent by default. */
export const ATTR_RAGOPS_ANSWER = 'ragops.answer';
