// The tabs of a service's Evals page; a plain module, so the server page can read them (a client module's
// exports are only references there).
export const EVAL_TABS = ['suites', 'datasets', 'runs'] as const;
export type EvalTab = (typeof EVAL_TABS)[number];

export function evalTab(value: string | undefined): EvalTab {
  return EVAL_TABS.find((t) => t === value) ?? 'suites';
}
