import type { ChunkHit, GenerateReply, RequestContext } from '@ragops/contracts';

export interface GenerateInput {
  query: string;
  /** Retrieved chunks, best first. */
  chunks: ChunkHit[];
}

/** Port for answer generation: the extractive generator, an OpenAI-compatible LLM, or the generation service. */
export interface AnswerGenerator {
  generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply>;
}
