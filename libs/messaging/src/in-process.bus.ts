import { Logger, type LoggerService } from '@nestjs/common';
import type { PacketMetadata } from '@nestjs/microservices';
import { AppError } from '@ragops/contracts';
import { isObservable, lastValueFrom } from 'rxjs';
import { INTERNAL_MESSAGE, toWireError } from './wire-error.js';

/** What a bus handler learns about the message besides its data. */
export interface BusMessage {
  pattern: string;
  /** Out-of-band values a client attached (Nest's `setOnDispatchHook`), e.g. trace context. */
  metadata?: PacketMetadata;
}

/** Returns a value, a Promise, an Observable, or a Promise of an Observable (what Nest's handler proxies return). */
export type BusHandler = (data: unknown, message: BusMessage) => unknown;

/**
 * The in-process stand-in for NATS in all-in-one mode: a registry of pattern → handler that the
 * {@link InProcessServer} fills with the very Nest handlers a NATS server would subscribe, and that the
 * {@link InProcessClient} calls.
 *
 * It keeps the wire's semantics where they matter to callers: data and replies are structured-cloned, so no
 * caller and handler share mutable objects; a failing handler rejects with the plain `{ code, message }` a
 * NATS reply would carry; several handlers for one pattern share the load round-robin, like replicas in a
 * queue group; a pattern nobody handles is UNAVAILABLE, like NATS' "no responders".
 */
export class InProcessBus {
  private readonly requestHandlers = new Map<string, { handlers: BusHandler[]; next: number }>();
  private readonly eventHandlers = new Map<string, BusHandler[]>();

  constructor(private readonly logger: Pick<LoggerService, 'error'> = new Logger(InProcessBus.name)) {}

  /** Registers a request handler; the returned function unregisters it. */
  handle(pattern: string, handler: BusHandler): () => void {
    let entry = this.requestHandlers.get(pattern);
    if (!entry) this.requestHandlers.set(pattern, (entry = { handlers: [], next: 0 }));
    entry.handlers.push(handler);
    return () => {
      const current = this.requestHandlers.get(pattern);
      if (!current) return;
      current.handlers = current.handlers.filter((h) => h !== handler);
      if (current.handlers.length === 0) this.requestHandlers.delete(pattern);
    };
  }

  /** Registers an event handler (every registered one receives each event); returns its unregister function. */
  on(pattern: string, handler: BusHandler): () => void {
    const list = this.eventHandlers.get(pattern) ?? [];
    this.eventHandlers.set(pattern, [...list, handler]);
    return () => {
      const rest = (this.eventHandlers.get(pattern) ?? []).filter((h) => h !== handler);
      if (rest.length) this.eventHandlers.set(pattern, rest);
      else this.eventHandlers.delete(pattern);
    };
  }

  hasHandler(pattern: string): boolean {
    return this.requestHandlers.has(pattern);
  }

  /**
   * Calls one handler of `pattern` with a copy of `data` and resolves a copy of its (last) result. Rejects with
   * AppError UNAVAILABLE when nobody handles the pattern, DEADLINE_EXCEEDED when no answer comes within
   * `timeoutMs` (`Infinity`: no limit), and otherwise with the handler's error in its wire form.
   */
  async request<T = unknown>(pattern: string, data: unknown, timeoutMs: number, metadata?: PacketMetadata): Promise<T> {
    const entry = this.requestHandlers.get(pattern);
    if (!entry) throw new AppError('UNAVAILABLE', `no service handles ${pattern}`);
    if (!(timeoutMs > 0)) throw new AppError('DEADLINE_EXCEEDED', `no time left to call ${pattern}`);
    const handler = entry.handlers[entry.next % entry.handlers.length]!;
    entry.next = (entry.next + 1) % entry.handlers.length;

    const work = this.invoke(handler, cloneOrThrow(data, pattern, 'request'), { pattern, metadata: copyOf(metadata) }).catch((err: unknown) => {
      throw this.toWire(err, pattern);
    });
    const result = Number.isFinite(timeoutMs) ? await withTimeout(work, timeoutMs, pattern) : await work;
    return cloneOrThrow(result, pattern, 'reply') as T;
  }

  /** Delivers an event to every handler of `pattern`; like a NATS publish, nobody listening is not an error. */
  async emit(pattern: string, data: unknown, metadata?: PacketMetadata): Promise<void> {
    const handlers = this.eventHandlers.get(pattern) ?? [];
    await Promise.all(
      handlers.map((h) =>
        this.invoke(h, cloneOrThrow(data, pattern, 'event'), { pattern, metadata: copyOf(metadata) }).catch((err: unknown) => {
          this.logger.error(`event handler for ${pattern} failed`, err);
        }),
      ),
    );
  }

  private async invoke(handler: BusHandler, data: unknown, message: BusMessage): Promise<unknown> {
    const out = await handler(data, message);
    return isObservable(out) ? await lastValueFrom(out, { defaultValue: undefined }) : out;
  }

  /** Nest handlers already reject with wire objects (the RPC filter ran); raw handlers are mapped the same way. */
  private toWire(err: unknown, pattern: string): unknown {
    if (err && typeof err === 'object' && !(err instanceof Error)) return structuredClone(err);
    const wire = toWireError(err);
    if (wire.code === 'INTERNAL' && wire.message === INTERNAL_MESSAGE) {
      this.logger.error(`unhandled error in the handler for ${pattern}`, err instanceof Error ? err.stack : String(err));
    }
    return wire;
  }
}

/** Metadata (trace context headers) arrives as its own copy, as headers off the wire would. */
function copyOf(metadata: PacketMetadata | undefined): PacketMetadata | undefined {
  return metadata ? { ...metadata } : undefined;
}

function cloneOrThrow(value: unknown, pattern: string, what: string): unknown {
  try {
    return value === undefined ? undefined : structuredClone(value);
  } catch (err) {
    throw new AppError('INTERNAL', `the ${what} of ${pattern} cannot cross a process boundary (it is not plain data)`, undefined, { cause: err });
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, pattern: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('DEADLINE_EXCEEDED', `${pattern} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
