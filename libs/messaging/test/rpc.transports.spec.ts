import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { AppError, SearchReply } from '@ragops/contracts';
import { testNatsUrl, uniqueName } from '@ragops/testing';
import { firstValueFrom } from 'rxjs';
import {
  AppErrorRpcFilter,
  InProcessBus,
  InProcessClient,
  InProcessServer,
  INTERNAL_MESSAGE,
  natsClientOptions,
  natsServerOptions,
  RemoteSearcher,
  RpcClient,
} from '../src/index.js';
import { type CallCounter, makeSearchController, ReplicaModule, requestContext, testSubjects } from './search.fixture.js';

/** Collects what the filter logs, so a test can check the cause was logged while the caller saw nothing of it. */
class RecordingLogger {
  readonly errors: unknown[][] = [];
  error(...args: unknown[]): void {
    this.errors.push(args);
  }
}

interface Rig {
  rpc: RpcClient;
  proxy: ClientProxy;
  calls: CallCounter;
  logger: RecordingLogger;
  close(): Promise<void>;
}

// One controller class for both transports: the handlers do not know which one carries them.
const subjects = testSubjects(uniqueName('ragops.test').replace('_', '.'));
const SearchController = makeSearchController(subjects);
const REPLICAS = ['replica-a', 'replica-b'];

async function startReplicas(strategyFor: (replica: string) => object, calls: CallCounter, logger: RecordingLogger): Promise<INestMicroservice[]> {
  return Promise.all(
    REPLICAS.map(async (replica) => {
      const app = await NestFactory.createMicroservice(ReplicaModule.register(SearchController, replica, calls), {
        ...strategyFor(replica),
        logger: false,
      });
      app.useGlobalFilters(new AppErrorRpcFilter(logger));
      await app.listen();
      return app;
    }),
  );
}

async function natsRig(): Promise<Rig> {
  const calls: CallCounter = new Map();
  const logger = new RecordingLogger();
  const queue = uniqueName('ragops-test');
  const apps = await startReplicas(
    (replica) => natsServerOptions({ servers: testNatsUrl(), queue, name: replica, gracePeriodMs: 20 }),
    calls,
    logger,
  );
  const proxy = ClientProxyFactory.create(natsClientOptions({ servers: testNatsUrl(), name: 'rpc-test-client' }));
  await proxy.connect();
  return {
    rpc: new RpcClient(proxy),
    proxy,
    calls,
    logger,
    close: async () => {
      await proxy.close();
      await Promise.all(apps.map((a) => a.close()));
    },
  };
}

async function inProcessRig(): Promise<Rig> {
  const calls: CallCounter = new Map();
  const logger = new RecordingLogger();
  const bus = new InProcessBus(logger);
  const apps = await startReplicas(() => ({ strategy: new InProcessServer(bus) }), calls, logger);
  const proxy = new InProcessClient(bus);
  return {
    rpc: new RpcClient(proxy),
    proxy,
    calls,
    logger,
    close: async () => {
      await Promise.all(apps.map((a) => a.close()));
    },
  };
}

const inFiveSeconds = () => requestContext(Date.now() + 5000);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe.each([
  ['NATS, two replicas in one queue group', natsRig],
  ['in-process, two servers on one bus', inProcessRig],
])('RPC over %s', (_name, start) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await start();
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('reaches the @MessagePattern handlers and both replicas serve', async () => {
    const searcher = new RemoteSearcher(rig.rpc, { subject: subjects.search });
    const served = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const reply = await searcher.search({ query: `q${i}` }, inFiveSeconds());
      expect(reply.hits[0]!.text).toBe(`acme:q${i}`);
      expect(reply.hits[0]!.metadata).toEqual({ subject: subjects.search });
      served.add(reply.index);
    }
    expect(served).toEqual(new Set(REPLICAS));
  });

  it('hands the client the plain wire error { code, message, details }', async () => {
    const err = await rejection(firstValueFrom(rig.proxy.send(subjects.fail, { ctx: inFiveSeconds(), data: {} })));
    expect(err).toEqual({ code: 'UNKNOWN_INDEX', message: 'index nope does not exist: create it first', details: { index: 'nope' } });
  });

  it("keeps an AppError's code, message and details across the hop", async () => {
    const err = await rejection(rig.rpc.request(subjects.fail, { ctx: inFiveSeconds(), data: {} }, SearchReply));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'UNKNOWN_INDEX', message: 'index nope does not exist: create it first', details: { index: 'nope' } });
  });

  it('turns an unexpected error into INTERNAL without leaking its message, and logs the cause', async () => {
    const before = rig.logger.errors.length;
    const err = await rejection(rig.rpc.request(subjects.crash, { ctx: inFiveSeconds(), data: {} }, SearchReply));
    expect(err).toMatchObject({ code: 'INTERNAL', message: INTERNAL_MESSAGE });
    expect(JSON.stringify((err as AppError).toWire())).not.toContain('hunter2');
    expect(rig.logger.errors.slice(before).flat().join(' ')).toContain('hunter2');
  });

  it('reports a handler-side validation failure as VALIDATION_FAILED naming the field', async () => {
    const err = await rejection(rig.rpc.request(subjects.search, { ctx: inFiveSeconds(), data: { query: '' } }, SearchReply));
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as AppError).message).toContain('data.query');
  });

  it('maps a ZodError thrown by a handler to VALIDATION_FAILED', async () => {
    const err = await rejection(rig.rpc.request(subjects.zod, { ctx: inFiveSeconds(), data: { topK: 0 } }, SearchReply));
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as AppError).details).toMatchObject({ issues: expect.arrayContaining([expect.objectContaining({ path: 'data.query' })]) });
  });

  it('answers a subject nobody serves with UNAVAILABLE', async () => {
    const err = await rejection(rig.rpc.request(`${subjects.search}.nobody`, { ctx: inFiveSeconds(), data: {} }, SearchReply));
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('gives up on a slow handler with DEADLINE_EXCEEDED once the budget is spent', async () => {
    const started = Date.now();
    const err = await rejection(rig.rpc.request(subjects.slow, { ctx: requestContext(Date.now() + 80), data: {} }, SearchReply));
    expect(err).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(350);
  });

  it('does not send at all when the deadline has already passed', async () => {
    const before = rig.calls.get(subjects.slow) ?? 0;
    const err = await rejection(rig.rpc.request(subjects.slow, { ctx: requestContext(Date.now() - 1), data: {} }, SearchReply));
    expect(err).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(rig.calls.get(subjects.slow) ?? 0).toBe(before);
  });

  it('rejects a reply that breaks the schema as UPSTREAM_FAILED', async () => {
    const err = await rejection(rig.rpc.request(subjects.bad, { ctx: inFiveSeconds(), data: {} }, SearchReply));
    expect(err).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect((err as AppError).message).toContain('index');
  });
});

describe('Nest NATS transport without AppErrorRpcFilter (why the filter exists)', () => {
  let app: INestMicroservice;
  let proxy: ClientProxy;
  const calls: CallCounter = new Map();
  beforeAll(async () => {
    app = await NestFactory.createMicroservice(ReplicaModule.register(SearchController, 'bare', calls), {
      ...natsServerOptions({ servers: testNatsUrl(), queue: uniqueName('ragops-test'), name: 'bare', gracePeriodMs: 20 }),
      logger: false,
    });
    await app.listen();
    proxy = ClientProxyFactory.create(natsClientOptions({ servers: testNatsUrl(), name: 'bare-client' }));
    await proxy.connect();
  });
  afterAll(async () => {
    await proxy?.close();
    await app?.close();
  });

  it("replaces every error, AppError included, with Nest's generic packet", async () => {
    const err = await rejection(firstValueFrom(proxy.send(subjects.fail, { ctx: inFiveSeconds(), data: {} })));
    expect(err).toEqual({ status: 'error', message: 'Internal server error' });
    const mapped = await rejection(new RpcClient(proxy).request(subjects.fail, { ctx: inFiveSeconds(), data: {} }, SearchReply));
    expect(mapped).toMatchObject({ code: 'INTERNAL' });
  });
});
