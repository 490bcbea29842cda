// What the rest of Slipway uses of the reference model server: start it embedded, load and validate its config,
// and the built-in question set (evals build their datasets from it).
export { startReferenceModelServer, type ReferenceModelServer, type ReferenceModelServerOptions } from './server';
export {
  defaultConfigPath,
  loadReferenceModelConfig,
  parseReferenceModelConfig,
  ReferenceModelConfigError,
  referenceModelConfigSchema,
  type ModelBehaviour,
  type ReferenceModelConfig,
  type ReferenceModelConfigInput,
} from './config';
export { QUESTIONS, type Question } from './questions';
