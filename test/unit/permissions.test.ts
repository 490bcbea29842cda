// The scope table and the password hashing the sign-in relies on.
import { describe, expect, it } from 'vitest';
import { can, lowerRole, roleWithin } from '@/server/auth/permissions';
import { hashPassword, verifyPassword } from '@/server/auth/password';

describe('roles and scopes', () => {
  it('grants user management to admins only', () => {
    expect(can('admin', 'users:write')).toBe(true);
    expect(can('approver', 'users:write')).toBe(false);
    expect(can(null, 'audit:read')).toBe(false);
  });
  it('lets engineers and up push datasets, as they push prompts', () => {
    expect(can('engineer', 'datasets:write')).toBe(true);
    expect(can('viewer', 'datasets:write')).toBe(false);
  });
  it('orders roles for token ceilings', () => {
    expect(roleWithin('engineer', 'approver')).toBe(true);
    expect(roleWithin('admin', 'approver')).toBe(false);
    expect(lowerRole('admin', 'viewer')).toBe('viewer');
  });
});

describe('passwords', () => {
  it('hash with a salt and verify', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
    expect(await verifyPassword('anything', 'garbage')).toBe(false);
  });
});
