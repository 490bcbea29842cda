// Container releases in a Docker environment have several replicas; requests take them in turn.
import type { Target } from './snapshot';

const turns = new WeakMap<Target, number>();

/** The URL a request to this target goes to: its endpoint, or its healthy replicas round robin. */
export function targetUrl(target: Target): string | null {
  const replicas = target.replicas;
  if (!replicas || replicas.length < 2) return target.url;
  const turn = turns.get(target) ?? 0;
  turns.set(target, turn + 1);
  return replicas[turn % replicas.length]!;
}
