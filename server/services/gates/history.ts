// The overrides each history entry relied on: for every release an entry let in (not routed by the entry before
// it), the gate overrides given for that release and environment by then. Read-side, so no entry is rewritten.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { gateOverrides, type EnvironmentHistoryEntry } from '@/db/schema';

export interface EntryOverride {
  release: number;
  gate: string;
  reason: string;
  by: string;
}

/** `entries` newest first, as the history lists them; the last one only serves as the one before. */
export async function overridesByEntry(db: Db, environmentId: string, entries: Pick<EnvironmentHistoryEntry, 'id' | 'at' | 'routes'>[]): Promise<Map<number, EntryOverride[]>> {
  const out = new Map<number, EntryOverride[]>();
  const ids = [...new Set(entries.flatMap((e) => e.routes.map((r) => r.releaseId)))];
  if (!ids.length) return out;
  const rows = await db
    .select()
    .from(gateOverrides)
    .where(and(eq(gateOverrides.environmentId, environmentId), inArray(gateOverrides.releaseId, ids)));
  if (!rows.length) return out;
  entries.forEach((entry, i) => {
    const before = new Set((entries[i + 1]?.routes ?? []).filter((r) => r.weight > 0).map((r) => r.releaseId));
    const entering = entry.routes.filter((r) => r.weight > 0 && !before.has(r.releaseId));
    const found = entering.flatMap((r) =>
      rows.filter((o) => o.releaseId === r.releaseId && o.createdAt <= entry.at).map((o) => ({ release: r.releaseNumber, gate: o.gate, reason: o.reason, by: o.actorLabel })),
    );
    if (found.length) out.set(entry.id, found);
  });
  return out;
}
