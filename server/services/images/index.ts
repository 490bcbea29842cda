// Container images of model versions: builds from a repository commit with verified artifacts, pushes to a
// registry, and the image a model version has (its newest succeeded build).
export { latestBuiltImage, type BuiltImage, listImageBuilds, getImageBuild } from './queries';
export { queueImageBuild, runImageBuild, buildProblem, artifactLabelKey } from './build';
export { pushImageBuild, pushTarget } from './push';
export { startImageBuild, failInterruptedBuilds, settleManualBuilds } from './start';
