import { type CustomTransportStrategy, type MessageHandler, Server, type WritePacket } from '@nestjs/microservices';
import type { BusMessage, InProcessBus } from './in-process.bus.js';
import { InProcessContext } from './in-process.context.js';

/** Transport id of the in-process transport (`@MessagePattern(subject, IN_PROCESS_TRANSPORT)` to pin one). */
export const IN_PROCESS_TRANSPORT = Symbol.for('ragops.in-process');

/**
 * Nest transport strategy for all-in-one mode: `NestFactory.createMicroservice(Module, { strategy: new
 * InProcessServer(bus) })` registers every `@MessagePattern` / `@EventPattern` handler of the module on the
 * bus instead of subscribing NATS subjects. Handlers, pipes, interceptors and filters run exactly as under
 * Transport.NATS, and requests go through Nest's own request path (processing hooks included).
 */
export class InProcessServer extends Server implements CustomTransportStrategy {
  override transportId: symbol = IN_PROCESS_TRANSPORT;
  private registrations: Array<() => void> = [];

  constructor(private readonly bus: InProcessBus) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        this.registrations.push(
          handler.isEventHandler
            ? this.bus.on(pattern, (data, message) => this.onEvent(pattern, data, message))
            : this.bus.handle(pattern, (data, message) => this.onRequest(handler, data, message)),
        );
      }
      this._status$.next('connected');
    } catch (err) {
      this.close();
      callback(err);
      return;
    }
    callback();
  }

  close(): void {
    for (const unregister of this.registrations) unregister();
    this.registrations = [];
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('the in-process transport emits no status events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  /** Runs the handler through Nest's request path and settles with its last response or its error packet. */
  private onRequest(handler: MessageHandler, data: unknown, message: BusMessage): Promise<unknown> {
    const ctx = new InProcessContext([message.pattern, message.metadata]);
    return new Promise((resolve, reject) => {
      let last: unknown;
      const respond = (packet: WritePacket): void => {
        if (packet.err) return reject(packet.err);
        if (packet.response !== undefined) last = packet.response;
        if (packet.isDisposed) resolve(last);
      };
      // Server#handleRequest returns the processing-hook promise at run time although it is typed void.
      const started: unknown = this.handleRequest(ctx, async () => this.transformToObservable(await handler(data, ctx)), respond);
      if (started instanceof Promise) started.catch(reject);
    });
  }

  private onEvent(pattern: string, data: unknown, message: BusMessage): Promise<unknown> {
    const ctx = new InProcessContext([message.pattern, message.metadata]);
    return this.handleEvent(pattern, { pattern, data, metadata: message.metadata }, ctx);
  }
}
