// Container images of model versions as records: builds queued and listed, and the image a model version has
// (its newest succeeded build), which the deploy target resolves. Builds and pushes run in server/pipelines/images.
export { latestBuiltImage, type BuiltImage, listImageBuilds, getImageBuild } from './queries';
export { queueImageBuild, buildProblem, startImageBuild, failInterruptedBuilds } from './queue';
