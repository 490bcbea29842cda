// The embedded executor: runs the app's Inngest functions on one machine without an Inngest server.
export { defaultRetryDelay, Executor, type ExecutorOptions } from './executor';
export { executorHandler, isExecutorRequest } from './http';
export { embeddedSettings, EXECUTOR_PATH, jobsEngine, SERVE_PATH, type EmbeddedSettings } from './settings';
