import { Controller, type DynamicModule, Inject, Module, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { AppError, defaultVariant, parseOrThrow, type RequestContext, SearchEnvelope, type SearchReply } from '@ragops/contracts';

/** Subjects one test controller answers; NATS suites make them unique per run (the server is shared). */
export interface TestSubjects {
  search: string;
  fail: string;
  crash: string;
  zod: string;
  slow: string;
  bad: string;
}

export function testSubjects(prefix: string): TestSubjects {
  return {
    search: `${prefix}.search`,
    fail: `${prefix}.fail`,
    crash: `${prefix}.crash`,
    zod: `${prefix}.zod`,
    slow: `${prefix}.slow`,
    bad: `${prefix}.bad`,
  };
}

export const REPLICA = 'REPLICA';
export const CALLS = 'CALLS';
export type CallCounter = Map<string, number>;

/** A controller in the shape of a real service handler: validate, do one thing, reply (or throw). */
export function makeSearchController(s: TestSubjects): Type<unknown> {
  @Controller()
  class SearchTestController {
    constructor(
      @Inject(REPLICA) private readonly replica: string,
      @Inject(CALLS) private readonly calls: CallCounter,
    ) {}

    private count(subject: string): void {
      this.calls.set(subject, (this.calls.get(subject) ?? 0) + 1);
    }

    @MessagePattern(s.search)
    search(@Payload() raw: unknown, @Ctx() ctx: { getSubject?: () => string; getPattern?: () => string }): SearchReply {
      this.count(s.search);
      const { ctx: rc, data } = parseOrThrow(SearchEnvelope, raw, 'search request');
      const subject = ctx.getSubject?.() ?? ctx.getPattern?.() ?? '?';
      return {
        index: this.replica,
        hits: [{ chunkId: 'd1#0', docId: 'd1', score: 1, text: `${rc.tenant}:${data.query}`, metadata: { subject } }],
        timings: { total: 1 },
      };
    }

    @MessagePattern(s.fail)
    fail(): never {
      this.count(s.fail);
      throw new AppError('UNKNOWN_INDEX', 'index nope does not exist: create it first', { index: 'nope' });
    }

    @MessagePattern(s.crash)
    crash(): never {
      this.count(s.crash);
      throw new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
    }

    @MessagePattern(s.zod)
    zod(@Payload() raw: unknown): unknown {
      this.count(s.zod);
      return SearchEnvelope.parse(raw);
    }

    @MessagePattern(s.slow)
    async slow(): Promise<SearchReply> {
      this.count(s.slow);
      await new Promise((r) => setTimeout(r, 400));
      return { index: this.replica, hits: [], timings: {} };
    }

    @MessagePattern(s.bad)
    bad(): unknown {
      this.count(s.bad);
      return { index: 42, hits: 'none' };
    }
  }
  return SearchTestController;
}

@Module({})
export class ReplicaModule {
  static register(controller: Type<unknown>, replica: string, calls: CallCounter): DynamicModule {
    return {
      module: ReplicaModule,
      controllers: [controller],
      providers: [
        { provide: REPLICA, useValue: replica },
        { provide: CALLS, useValue: calls },
      ],
    };
  }
}

export function requestContext(deadline: number, tenant = 'acme'): RequestContext {
  return { requestId: 'req-1', tenant, deadline, variant: defaultVariant };
}
