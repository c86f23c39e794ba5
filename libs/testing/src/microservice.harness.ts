import type { DynamicModule } from '@nestjs/common';
import { ManualClock, type ServiceName } from '@ragops/contracts';
import { InProcessBus, type RpcClient } from '@ragops/messaging';
import { createRpcClient, startMicroservice } from '@ragops/platform';

/**
 * Starts one service module as a real Nest microservice on the in-process transport, with the production RPC
 * error filter, and an RpcClient to call it: handler specs then exercise decorators, validation and error
 * mapping exactly as a peer would, without a server.
 */
export async function startServiceForTest(module: DynamicModule, service: ServiceName): Promise<{ rpc: RpcClient; close: () => Promise<void> }> {
  const bus = new InProcessBus();
  const app = await startMicroservice(module, service, { kind: 'in-process', bus });
  const client = await createRpcClient({ kind: 'in-process', bus }, 'test', new ManualClock(1_000_000));
  return {
    rpc: client.rpc,
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}
