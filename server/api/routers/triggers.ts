// Production-check triggers: the events they recorded (and how their actions went), and each environment's rules in
// force. Rules are saved with the environment's checks (`checks.update`).
import { eventsInput, listTriggerEvents, rulesInput, triggerRules } from '@/server/services/triggers/list';
import { router, scopedProcedure } from '../trpc';

export const triggersRouter = router({
  events: scopedProcedure('services:read').input(eventsInput).query(({ ctx, input }) => listTriggerEvents(ctx, input)),
  rules: scopedProcedure('services:read').input(rulesInput).query(({ ctx, input }) => triggerRules(ctx, input)),
});
