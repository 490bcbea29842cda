// The model and prompt registries, labels, releases and secrets.
import { labelHistory, labelHistoryInput } from '@/server/services/labels/history';
import { moveLabel, moveLabelInput, protectLabelInput, setLabelProtection } from '@/server/services/labels/move';
import { getModel, getModelInput, getModelVersion, getModelVersionInput, listModels, listModelsInput } from '@/server/services/models/queries';
import { registerModelVersion, registerModelVersionInput } from '@/server/services/models/register';
import { setModelStatus, setModelStatusInput } from '@/server/services/models/set-status';
import { pushPrompt, pushPromptInput } from '@/server/services/prompts/push';
import { diffPromptInput, diffPromptVersions, getPrompt, getPromptInput, getPromptVersion, listPrompts, listPromptsInput, promptVersionRefInput, renderPrompt, renderPromptInput } from '@/server/services/prompts/queries';
import { createRelease, createReleaseInput } from '@/server/services/releases/create';
import { diffReleases, diffReleasesInput, getRelease, getReleaseInput, listReleases, listReleasesInput } from '@/server/services/releases/queries';
import { createSecret, createSecretInput } from '@/server/services/secrets/create';
import { listSecrets } from '@/server/services/secrets/queries';
import { rotateSecret, rotateSecretInput } from '@/server/services/secrets/rotate';
import { updateSecret, updateSecretInput } from '@/server/services/secrets/update';
import { router, scopedProcedure } from '../trpc';

export const modelsRouter = router({
  list: scopedProcedure('models:read').input(listModelsInput).query(({ ctx, input }) => listModels(ctx, input)),
  get: scopedProcedure('models:read').input(getModelInput).query(({ ctx, input }) => getModel(ctx, input)),
  version: scopedProcedure('models:read').input(getModelVersionInput).query(({ ctx, input }) => getModelVersion(ctx, input)),
  register: scopedProcedure('models:write').input(registerModelVersionInput).mutation(({ ctx, input }) => registerModelVersion(ctx, input)),
  setStatus: scopedProcedure('models:write').input(setModelStatusInput).mutation(({ ctx, input }) => setModelStatus(ctx, input)),
});

export const promptsRouter = router({
  list: scopedProcedure('prompts:read').input(listPromptsInput).query(({ ctx, input }) => listPrompts(ctx, input)),
  get: scopedProcedure('prompts:read').input(getPromptInput).query(({ ctx, input }) => getPrompt(ctx, input)),
  version: scopedProcedure('prompts:read').input(promptVersionRefInput).query(({ ctx, input }) => getPromptVersion(ctx, input)),
  render: scopedProcedure('prompts:read').input(renderPromptInput).query(({ ctx, input }) => renderPrompt(ctx, input)),
  diff: scopedProcedure('prompts:read').input(diffPromptInput).query(({ ctx, input }) => diffPromptVersions(ctx, input)),
  push: scopedProcedure('prompts:write').input(pushPromptInput).mutation(({ ctx, input }) => pushPrompt(ctx, input)),
});

export const labelsRouter = router({
  history: scopedProcedure('services:read').input(labelHistoryInput).query(({ ctx, input }) => labelHistory(ctx, input)),
  move: scopedProcedure('labels:move').input(moveLabelInput).mutation(({ ctx, input }) => moveLabel(ctx, input)),
  setProtected: scopedProcedure('labels:protect').input(protectLabelInput).mutation(({ ctx, input }) => setLabelProtection(ctx, input)),
});

export const releasesRouter = router({
  list: scopedProcedure('releases:read').input(listReleasesInput).query(({ ctx, input }) => listReleases(ctx, input)),
  get: scopedProcedure('releases:read').input(getReleaseInput).query(({ ctx, input }) => getRelease(ctx, input)),
  diff: scopedProcedure('releases:read').input(diffReleasesInput).query(({ ctx, input }) => diffReleases(ctx, input)),
  create: scopedProcedure('releases:write').input(createReleaseInput).mutation(({ ctx, input }) => createRelease(ctx, input)),
});

export const secretsRouter = router({
  list: scopedProcedure('secrets:read').query(({ ctx }) => listSecrets(ctx)),
  create: scopedProcedure('secrets:write').input(createSecretInput).mutation(({ ctx, input }) => createSecret(ctx, input)),
  rotate: scopedProcedure('secrets:write').input(rotateSecretInput).mutation(({ ctx, input }) => rotateSecret(ctx, input)),
  update: scopedProcedure('secrets:write').input(updateSecretInput).mutation(({ ctx, input }) => updateSecret(ctx, input)),
});
