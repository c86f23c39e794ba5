import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { NatsRecord, type ReadPacket } from '@nestjs/microservices';

/** What ClientNats publishes: the JSON packet, and the NATS headers to send with it. */
export interface SerializedNatsPacket {
  data: string;
  headers?: MsgHdrs;
}

/**
 * ClientNats serializer that sends a packet's `metadata` (what `ClientProxy#setOnDispatchHook` attached — the W3C
 * trace context) as NATS message headers instead of inside the JSON body, where Nest's default serializer would put
 * it and no NATS tool or server-side context could see it. The body stays Nest's `{ pattern, data, id }`; a
 * NatsRecord's own headers are kept and win over metadata of the same name. ServerNats hands the headers to the
 * handler's NatsContext (`getHeaders()`), where the tracing interceptor reads them.
 */
export class NatsMetadataSerializer {
  serialize(packet: ReadPacket & { id?: string }): SerializedNatsPacket {
    const { metadata, ...rest } = packet;
    let data: unknown = rest.data;
    let headers: MsgHdrs | undefined;
    if (data instanceof NatsRecord) {
      headers = data.headers as MsgHdrs | undefined;
      data = data.data;
    }
    if (metadata) {
      for (const [key, value] of Object.entries(metadata)) {
        headers ??= natsHeaders();
        if (!headers.has(key)) headers.set(key, value);
      }
    }
    const body = JSON.stringify({ ...rest, data });
    return headers ? { data: body, headers } : { data: body };
  }
}
