// Roles and `resource:action` scopes: the one table that both procedure middleware and the UI consult.
// Pure and dependency-free so client components can import it.

export const ROLES = ['viewer', 'engineer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer',
  engineer: 'Engineer',
  approver: 'Approver (release manager)',
  admin: 'Admin',
};

/** Each scope lists the roles granted it. Roles are not strictly nested for every future scope, so list them. */
export const SCOPES = {
  'audit:read': ['viewer', 'engineer', 'approver', 'admin'],
  'users:read': ['viewer', 'engineer', 'approver', 'admin'],
  'users:write': ['admin'],
  'tokens:read': ['viewer', 'engineer', 'approver', 'admin'],
  'tokens:write': ['viewer', 'engineer', 'approver', 'admin'],
  'tokens:admin': ['admin'],
  'services:read': ['viewer', 'engineer', 'approver', 'admin'],
  'services:write': ['engineer', 'approver', 'admin'],
  'environments:write': ['approver', 'admin'],
  'environments:deploy': ['engineer', 'approver', 'admin'],
  'environments:deploy-protected': ['approver', 'admin'],
  /** Change a protected environment directly, outside the release flow: an audited bypass with a reason. */
  'environments:bypass-protection': ['admin'],
  'environments:rollback': ['approver', 'admin'],
  'rollouts:read': ['viewer', 'engineer', 'approver', 'admin'],
  'approvals:read': ['viewer', 'engineer', 'approver', 'admin'],
  'approvals:decide': ['approver', 'admin'],
  'models:read': ['viewer', 'engineer', 'approver', 'admin'],
  'models:write': ['engineer', 'approver', 'admin'],
  'prompts:read': ['viewer', 'engineer', 'approver', 'admin'],
  'prompts:write': ['engineer', 'approver', 'admin'],
  /** Push dataset versions (eval cases), from files or from the gateway's samples; reading takes services:read. */
  'datasets:write': ['engineer', 'approver', 'admin'],
  'labels:move': ['engineer', 'approver', 'admin'],
  'labels:move-protected': ['approver', 'admin'],
  'labels:protect': ['approver', 'admin'],
  'releases:read': ['viewer', 'engineer', 'approver', 'admin'],
  'releases:write': ['engineer', 'approver', 'admin'],
  'pipelines:read': ['viewer', 'engineer', 'approver', 'admin'],
  'pipelines:write': ['engineer', 'approver', 'admin'],
  'pipelines:run': ['engineer', 'approver', 'admin'],
  /** Save eval suites (new versions); reading suites and runs takes services:read. */
  'evals:write': ['engineer', 'approver', 'admin'],
  /** Start and cancel eval runs: they call models and spend money. */
  'evals:run': ['engineer', 'approver', 'admin'],
  'gateway-keys:read': ['viewer', 'engineer', 'approver', 'admin'],
  'gateway-keys:write': ['engineer', 'approver', 'admin'],
  'secrets:read': ['engineer', 'approver', 'admin'],
  'secrets:write': ['approver', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Scope = keyof typeof SCOPES;

export function can(role: Role | null | undefined, scope: Scope): boolean {
  if (!role) return false;
  return (SCOPES[scope] as readonly Role[]).includes(role);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when `role` grants nothing beyond `ceiling` (used to cap API tokens at their creator's role). */
export function roleWithin(role: Role, ceiling: Role): boolean {
  return roleRank(role) <= roleRank(ceiling);
}

export function lowerRole(a: Role, b: Role): Role {
  return roleRank(a) <= roleRank(b) ? a : b;
}
