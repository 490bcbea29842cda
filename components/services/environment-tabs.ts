// The tabs of an environment's page; a plain module, so the server page can read them (a client module's exports
// are only references there).
export const ENVIRONMENT_TABS = ['overview', 'drift', 'checks', 'rollouts', 'containers', 'history', 'settings'] as const;
export type EnvironmentTab = (typeof ENVIRONMENT_TABS)[number];

export function environmentTab(value: string | undefined): EnvironmentTab {
  return ENVIRONMENT_TABS.find((t) => t === value) ?? 'overview';
}
