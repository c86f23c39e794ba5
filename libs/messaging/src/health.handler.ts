import { Controller, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { AppError, type HealthReply, type ServiceName, Subjects } from '@ragops/contracts';

/**
 * A controller answering `ragops.v1.<service>.health` with `{ service, ok, details }`. `details` reports what
 * a probe should see (queue depth, model); when it throws the service answers `ok: false` with the error's
 * code instead of failing the probe's request, so "reachable but unhealthy" stays distinguishable from "gone".
 */
export function healthHandler(service: ServiceName, details?: () => Promise<Record<string, unknown>>): Type<unknown> {
  @Controller()
  class HealthHandler {
    @MessagePattern(Subjects.health(service))
    async health(): Promise<HealthReply> {
      if (!details) return { service, ok: true };
      try {
        return { service, ok: true, details: await details() };
      } catch (err) {
        const error = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'INTERNAL' };
        return { service, ok: false, details: { error } };
      }
    }
  }
  Object.defineProperty(HealthHandler, 'name', { value: `${service[0]!.toUpperCase()}${service.slice(1)}HealthHandler` });
  return HealthHandler;
}
