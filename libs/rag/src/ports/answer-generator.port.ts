import type { ChunkHit, GenerateReply, RequestContext } from '@ragops/contracts';

export interface GenerateInput {
  query: string;
  /** Retrieved chunks, best first. */
  chunks: ChunkHit[];
  /** Ask for the final prompt in the reply (`GenerateReply.prompt`); only interaction records under full content do. */
  includePrompt?: boolean;
}

/** Port for answer generation: the extractive generator, an OpenAI-compatible LLM, or the generation service. */
export interface AnswerGenerator {
  generate(input: GenerateInput, ctx: RequestContext): Promise<GenerateReply>;
}
