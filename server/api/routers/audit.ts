// The audit trail.
import { listAudit, listAuditInput } from '@/server/services/audit/list';
import { router, scopedProcedure } from '../trpc';

export const auditRouter = router({
  list: scopedProcedure('audit:read').input(listAuditInput).query(({ ctx, input }) => listAudit(ctx, input)),
});
