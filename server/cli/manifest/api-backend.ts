// The CLI's side of the manifest port: each operation is one call of the tRPC API.
import type { Api } from '../core/client';
import { orNull } from '../core/errors';
import type { ManifestBackend } from './backend';

export function apiBackend(api: Api): ManifestBackend {
  return {
    getService: (name) => orNull(api.services.get.query({ name })),
    createService: (input) => api.services.create.mutate(input),
    updateService: (input) => api.services.update.mutate(input),
    getPrompt: (service, prompt) => orNull(api.prompts.get.query({ service, prompt })),
    pushPrompt: (input) => api.prompts.push.mutate(input),
    moveLabel: (input) => api.labels.move.mutate(input),
    getModel: (name) => orNull(api.models.get.query({ name })),
    registerModel: (input) => api.models.register.mutate(input),
    getEnvironment: (service, environment) => orNull(api.environments.get.query({ service, environment })),
    createEnvironment: (input) => api.environments.create.mutate(input),
    updateEnvironment: (input) => api.environments.update.mutate(input),
    getPipelineDefinition: (service) => api.pipelines.definition.query({ service }),
    savePipelineDefinition: (input) => api.pipelines.saveDefinition.mutate(input),
    getDataset: (service, name) => orNull(api.datasets.get.query({ service, name })),
    pushDataset: (input) => api.datasets.push.mutate(input),
    getEvalSuite: (service, name) => orNull(api.evals.getSuite.query({ service, name })),
    saveEvalSuite: (input) => api.evals.saveSuite.mutate(input),
  };
}
