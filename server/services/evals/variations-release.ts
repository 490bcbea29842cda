// Creates a release from one cell of a prompt-variations run: its prompt versions, its model version and its
// parameter set as the release's config — exactly what the cell was scored with.
import { z } from 'zod';
import { invalid } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { createRelease } from '../releases/create';
import { serviceByName, slugSchema } from '../registry-shared';
import { runByNumber } from './shared';

export const releaseFromCellInput = z.object({
  service: slugSchema,
  number: z.number().int().positive(),
  cell: z.string().trim().min(1, 'is required').max(50),
  notes: z.string().trim().max(5000).optional(),
  source: z.enum(['ui', 'api', 'cli']).default('api'),
});

export async function createReleaseFromCell(ctx: ServiceContext, input: z.input<typeof releaseFromCellInput>) {
  requireScope(ctx, 'releases:write');
  const data = releaseFromCellInput.parse(input);
  const service = await serviceByName(ctx.db, data.service);
  const run = await runByNumber(ctx.db, service, data.number);
  if (run.kind !== 'prompt-variations' || !run.matrix) throw invalid('number', `run ${run.number} of ${service.name} is not a prompt-variations run`);
  const cell = run.matrix.cells.find((c) => c.key === data.cell);
  if (!cell) throw invalid('cell', `run ${run.number} has no cell ${data.cell} (it has ${run.matrix.cells.map((c) => c.key).join(', ')})`);
  return createRelease(ctx, {
    service: service.name,
    model: cell.model.ref,
    prompts: cell.prompts.map((p) => p.ref),
    config: cell.params,
    notes: data.notes ?? `From prompt variations run ${run.number}, cell ${cell.key}`,
    source: data.source,
  });
}
