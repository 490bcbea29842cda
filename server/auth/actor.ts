// Who is acting: a signed-in user, an API token, a system job or a webhook. Services take this, never a request.
import type { Role } from './permissions';

export type Actor =
  | { kind: 'user'; userId: string; email: string; name: string; role: Role }
  | { kind: 'token'; tokenId: string; tokenName: string; userId: string | null; role: Role }
  | { kind: 'system'; job: string }
  | { kind: 'webhook'; source: string }
  | { kind: 'anonymous' };

/** The role an actor acts with; system jobs act with full rights, webhooks and anonymous callers with none. */
export function actorRole(actor: Actor): Role | null {
  switch (actor.kind) {
    case 'user':
    case 'token':
      return actor.role;
    case 'system':
      return 'admin';
    default:
      return null;
  }
}

/** The user behind an actor, if any: the signed-in user or the creator of a token. */
export function actorUserId(actor: Actor): string | null {
  if (actor.kind === 'user') return actor.userId;
  if (actor.kind === 'token') return actor.userId;
  return null;
}

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return actor.email;
    case 'token':
      return `token:${actor.tokenName}`;
    case 'system':
      return `system:${actor.job}`;
    case 'webhook':
      return `webhook:${actor.source}`;
    case 'anonymous':
      return 'anonymous';
  }
}

export function actorId(actor: Actor): string | null {
  if (actor.kind === 'user') return actor.userId;
  if (actor.kind === 'token') return actor.tokenId;
  return null;
}
