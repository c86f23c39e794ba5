import { type DynamicModule, Module } from '@nestjs/common';
import { healthHandler } from '@ragops/messaging';
import type { AnswerGenerator } from '@ragops/rag';
import { GenerateHandler } from './generate.handler.js';
import { GENERATOR } from './generation.tokens.js';

export interface GenerationDeps {
  generator: AnswerGenerator;
}

/** Answer generation behind `ragops.v1.generation.generate`. */
@Module({})
export class GenerationModule {
  static register(deps: GenerationDeps): DynamicModule {
    return {
      module: GenerationModule,
      controllers: [GenerateHandler, healthHandler('generation')],
      providers: [{ provide: GENERATOR, useValue: deps.generator }],
    };
  }
}
