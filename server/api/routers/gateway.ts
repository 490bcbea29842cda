// Gateway keys, per service.
import { createGatewayKey, createGatewayKeyInput } from '@/server/services/gateway-keys/create';
import { listGatewayKeys, listGatewayKeysInput, revokeGatewayKey, revokeGatewayKeyInput } from '@/server/services/gateway-keys/revoke';
import { telemetrySummary, telemetrySummaryInput } from '@/server/services/telemetry/summary';
import { router, scopedProcedure } from '../trpc';

export const gatewayKeysRouter = router({
  list: scopedProcedure('gateway-keys:read').input(listGatewayKeysInput).query(({ ctx, input }) => listGatewayKeys(ctx, input)),
  create: scopedProcedure('gateway-keys:write').input(createGatewayKeyInput).mutation(({ ctx, input }) => createGatewayKey(ctx, input)),
  revoke: scopedProcedure('gateway-keys:write').input(revokeGatewayKeyInput).mutation(({ ctx, input }) => revokeGatewayKey(ctx, input)),
});

export const telemetryRouter = router({
  summary: scopedProcedure('services:read').input(telemetrySummaryInput).query(({ ctx, input }) => telemetrySummary(ctx, input)),
});
