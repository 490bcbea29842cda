// Every table of the app, one module per domain.
export * from './auth';
export * from './audit';
export * from './registry';
export * from './gateway';
export * from './executor';
export * from './pipelines';
export * from './rollouts';
export * from './evals';
export * from './monitoring';
export * from './alerts';
export * from './production';
export * from './images';
export * from './containers';
export * from './load-tests';
