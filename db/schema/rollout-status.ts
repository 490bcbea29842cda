// Rollout statuses, apart from the tables so that code without the database (the CLI) reads the same list.
export const ROLLOUT_STATUSES = ['awaiting-approval', 'waiting', 'running', 'paused', 'succeeded', 'rolled-back', 'aborted', 'rejected', 'approval-timed-out', 'failed'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];
/** A rollout in one of these holds its environment: no second one may start there. */
export const ACTIVE_ROLLOUT_STATUSES = ['awaiting-approval', 'waiting', 'running', 'paused'] as const satisfies readonly RolloutStatus[];
export const isActiveRolloutStatus = (s: RolloutStatus): boolean => (ACTIVE_ROLLOUT_STATUSES as readonly RolloutStatus[]).includes(s);
