// SLO alerts: history (firing and resolved), each environment's rules, and acknowledging a firing alert.
import { acknowledgeAlert, acknowledgeInput } from '@/server/services/alerts/acknowledge';
import { listAlerts, listAlertsInput } from '@/server/services/alerts/list';
import { getAlertRules, rulesInput, updateAlertRules, updateRulesInput } from '@/server/services/alerts/rules';
import { router, scopedProcedure } from '../trpc';

export const alertsRouter = router({
  list: scopedProcedure('services:read').input(listAlertsInput).query(({ ctx, input }) => listAlerts(ctx, input)),
  rules: scopedProcedure('services:read').input(rulesInput).query(({ ctx, input }) => getAlertRules(ctx, input)),
  updateRules: scopedProcedure('environments:write').input(updateRulesInput).mutation(({ ctx, input }) => updateAlertRules(ctx, input)),
  acknowledge: scopedProcedure('environments:deploy').input(acknowledgeInput).mutation(({ ctx, input }) => acknowledgeAlert(ctx, input)),
});
