// The operations applying a manifest needs, as one port: the CLI implements it over the tRPC client
// (api-backend.ts), the server over service verbs (server/pipelines/manifest-backend.ts), so the apply code is one.
// Types only: the CLI bundle must not pull server code in through this file.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type In = inferRouterInputs<AppRouter>;
type Out = inferRouterOutputs<AppRouter>;

export type ServiceView = Out['services']['get'];
export type PromptView = Out['prompts']['get'];
export type ModelView = Out['models']['get'];
export type ModelVersionView = Out['models']['register'];
export type EnvironmentView = Out['environments']['get'];
export type PipelineDefinitionView = Out['pipelines']['definition'];
export type DatasetView = Out['datasets']['get'];
export type EvalSuiteView = Out['evals']['getSuite'];

/** Reads answer null for "not found"; every other failure throws. Writes return what the verb returns. */
export interface ManifestBackend {
  getService(name: string): Promise<ServiceView | null>;
  createService(input: In['services']['create']): Promise<unknown>;
  updateService(input: In['services']['update']): Promise<unknown>;
  getPrompt(service: string, prompt: string): Promise<PromptView | null>;
  pushPrompt(input: In['prompts']['push']): Promise<Out['prompts']['push']>;
  moveLabel(input: In['labels']['move']): Promise<unknown>;
  getModel(name: string): Promise<ModelView | null>;
  registerModel(input: In['models']['register']): Promise<ModelVersionView>;
  getEnvironment(service: string, environment: string): Promise<EnvironmentView | null>;
  createEnvironment(input: In['environments']['create']): Promise<unknown>;
  updateEnvironment(input: In['environments']['update']): Promise<unknown>;
  getPipelineDefinition(service: string): Promise<PipelineDefinitionView>;
  savePipelineDefinition(input: In['pipelines']['saveDefinition']): Promise<Out['pipelines']['saveDefinition']>;
  getDataset(service: string, name: string): Promise<DatasetView | null>;
  pushDataset(input: In['datasets']['push']): Promise<Out['datasets']['push']>;
  getEvalSuite(service: string, name: string): Promise<EvalSuiteView | null>;
  saveEvalSuite(input: In['evals']['saveSuite']): Promise<Out['evals']['saveSuite']>;
}
