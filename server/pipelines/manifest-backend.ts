// The server's side of the manifest port (server/cli/manifest/backend.ts): each operation is one service verb run
// with the caller's context, so the manifest code the CLI uses over the API runs here under the same rules.
import type { ManifestBackend } from '@/server/cli/manifest/backend';
import { DomainError } from '@/server/errors';
import { getDataset } from '@/server/services/datasets/get';
import { pushDataset } from '@/server/services/datasets/push';
import type { ServiceContext } from '@/server/services/context';
import { getSuite } from '@/server/services/evals/queries';
import { saveEvalSuite } from '@/server/services/evals/save-suite';
import { getEnvironment } from '@/server/services/environments/queries';
import { createEnvironment, updateEnvironment } from '@/server/services/environments/update';
import { moveLabel } from '@/server/services/labels/move';
import { getDefinition, saveDefinition } from '@/server/services/pipelines/definition';
import { getModel } from '@/server/services/models/queries';
import { registerModelVersion } from '@/server/services/models/register';
import { pushPrompt } from '@/server/services/prompts/push';
import { getPrompt } from '@/server/services/prompts/queries';
import { createService } from '@/server/services/services/create';
import { getService } from '@/server/services/services/queries';
import { updateService } from '@/server/services/services/update';

async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'not_found') return null;
    throw err;
  }
}

export function verbBackend(ctx: ServiceContext): ManifestBackend {
  return {
    getService: (name) => orNull(getService(ctx, { name })),
    createService: (input) => createService(ctx, input),
    updateService: (input) => updateService(ctx, input),
    getPrompt: (service, prompt) => orNull(getPrompt(ctx, { service, prompt })),
    pushPrompt: (input) => pushPrompt(ctx, input),
    moveLabel: (input) => moveLabel(ctx, input),
    getModel: (name) => orNull(getModel(ctx, { name })),
    registerModel: (input) => registerModelVersion(ctx, input),
    getEnvironment: (service, environment) => orNull(getEnvironment(ctx, { service, environment })),
    createEnvironment: (input) => createEnvironment(ctx, input),
    updateEnvironment: (input) => updateEnvironment(ctx, input),
    getPipelineDefinition: (service) => getDefinition(ctx, { service }),
    savePipelineDefinition: (input) => saveDefinition(ctx, input),
    getDataset: (service, name) => orNull(getDataset(ctx, { service, name })),
    pushDataset: (input) => pushDataset(ctx, input),
    getEvalSuite: (service, name) => orNull(getSuite(ctx, { service, name })),
    saveEvalSuite: (input) => saveEvalSuite(ctx, input),
  };
}
