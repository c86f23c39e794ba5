import { BaseRpcContext, type PacketMetadata } from '@nestjs/microservices';

type InProcessContextArgs = [pattern: string, metadata: PacketMetadata | undefined];

/** The `@Ctx()` of a handler reached over the in-process transport (NATS handlers get a NatsContext). */
export class InProcessContext extends BaseRpcContext<InProcessContextArgs> {
  /** The pattern (subject) the message was sent to. */
  getPattern(): string {
    return this.args[0];
  }

  /** Out-of-band values the client attached, if any. */
  getMetadata(): PacketMetadata | undefined {
    return this.args[1];
  }
}
