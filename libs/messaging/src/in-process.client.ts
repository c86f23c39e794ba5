import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { InProcessBus } from './in-process.bus.js';

/**
 * Nest ClientProxy over the {@link InProcessBus}: what ClientNats is in distributed mode, so RpcClient and the
 * remote port adapters run unchanged in all-in-one mode. It applies no timeout of its own; RpcClient bounds
 * every call by the request's deadline.
 */
export class InProcessClient extends ClientProxy {
  private connected = false;

  constructor(private readonly bus: InProcessBus) {
    super();
  }

  /** Nest calls this before every send; there is nothing to connect to, only a status to report once. */
  connect(): Promise<InProcessBus> {
    if (!this.connected) {
      this.connected = true;
      this._status$.next('connected');
    }
    return Promise.resolve(this.bus);
  }

  close(): void {
    this.connected = false;
    this._status$.next('disconnected');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    // After teardown (unsubscribe, rxjs timeout) a late answer must not reach the observer.
    let live = true;
    this.bus.request(this.normalizePattern(packet.pattern), packet.data, Infinity, packet.metadata).then(
      (response) => live && callback({ response, isDisposed: true }),
      (err: unknown) => live && callback({ err, isDisposed: true }),
    );
    return () => {
      live = false;
    };
  }

  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    return this.bus.emit(this.normalizePattern(packet.pattern), packet.data, packet.metadata) as Promise<T>;
  }
}
