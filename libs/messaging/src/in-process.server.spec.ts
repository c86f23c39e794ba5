import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { defaultVariant, SearchEnvelope, type SearchReply, Subjects } from '@ragops/contracts';
import { AppErrorRpcFilter } from './app-error.rpc-filter.js';
import { InProcessBus } from './in-process.bus.js';
import { InProcessContext } from './in-process.context.js';
import { IN_PROCESS_TRANSPORT, InProcessServer } from './in-process.server.js';

const events: unknown[] = [];

/** Written exactly as a service handler is: the contract subject, no knowledge of the transport. */
@Controller()
class SearchHandler {
  @MessagePattern(Subjects.search)
  search(@Payload() raw: unknown, @Ctx() ctx: InProcessContext): SearchReply {
    const { data } = SearchEnvelope.parse(raw);
    return { index: ctx.getPattern(), hits: [], timings: { [data.query]: Number(ctx.getMetadata()?.n ?? -1) } };
  }

  @EventPattern('ragops.v1.test.happened')
  happened(@Payload() data: unknown): void {
    events.push(data);
  }
}

@Module({ controllers: [SearchHandler] })
class SearchModule {}

const quiet = { error: () => {} };
const envelope = { ctx: { requestId: 'r', tenant: 't', deadline: Date.now() + 60_000, variant: defaultVariant }, data: { query: 'q' } };

describe('InProcessServer', () => {
  let app: INestMicroservice | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(bus: InProcessBus, server = new InProcessServer(bus)): Promise<INestMicroservice> {
    app = await NestFactory.createMicroservice(SearchModule, { strategy: server, logger: false });
    app.useGlobalFilters(new AppErrorRpcFilter(quiet));
    await app.listen();
    return app;
  }

  it('registers @MessagePattern handlers on the bus and runs them through Nest', async () => {
    const bus = new InProcessBus(quiet);
    await start(bus);
    expect(bus.hasHandler(Subjects.search)).toBe(true);
    const reply = await bus.request<SearchReply>(Subjects.search, envelope, 1000, { n: '7' });
    expect(reply).toEqual({ index: Subjects.search, hits: [], timings: { q: 7 } });
  });

  it('applies the global filter: a ZodError in the handler becomes VALIDATION_FAILED', async () => {
    const bus = new InProcessBus(quiet);
    await start(bus);
    await expect(bus.request(Subjects.search, { ctx: envelope.ctx, data: { query: '' } }, 1000)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('delivers @EventPattern handlers through bus.emit', async () => {
    const bus = new InProcessBus(quiet);
    await start(bus);
    events.length = 0;
    await bus.emit('ragops.v1.test.happened', { n: 1 });
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([{ n: 1 }]);
  });

  it("runs Nest's processing hooks around each request (what tracing plugs into)", async () => {
    const bus = new InProcessBus(quiet);
    const server = new InProcessServer(bus);
    const seen: string[] = [];
    server.setOnProcessingStartHook((transport, ctx, done) => {
      seen.push(`start ${String(transport === IN_PROCESS_TRANSPORT)} ${(ctx as InProcessContext).getPattern()}`);
      return done();
    });
    server.setOnProcessingEndHook(() => seen.push('end'));
    await start(bus, server);
    await bus.request(Subjects.search, envelope, 1000);
    expect(seen).toEqual([`start true ${Subjects.search}`, 'end']);
  });

  it('unregisters everything on close', async () => {
    const bus = new InProcessBus(quiet);
    await (await start(bus)).close();
    app = undefined;
    expect(bus.hasHandler(Subjects.search)).toBe(false);
    await expect(bus.request(Subjects.search, envelope, 1000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
