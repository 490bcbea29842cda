// Which image a container model version runs: its own imageRef (pinned by digest, or a local image id), else the
// image of its latest succeeded build — by the digest it was pushed under when it was pushed (so an engine other
// than the one that built it can pull it), else by the built image's id.
import type { Db } from '@/db/client';
import type { ModelVersion } from '@/db/schema';
import { precondition } from '@/server/errors';
import { latestBuiltImage } from '../images/queries';

export async function imageForModelVersion(db: Db, modelVersion: Pick<ModelVersion, 'id' | 'imageRef' | 'providerKind'>): Promise<string> {
  if (modelVersion.providerKind !== 'container') throw precondition(`model version ${modelVersion.id} is not a container model version`);
  if (modelVersion.imageRef) return modelVersion.imageRef;
  const built = await latestBuiltImage(db, modelVersion.id);
  if (built) return built.pushedRef ?? built.imageId;
  throw precondition(`model version ${modelVersion.id} has no image: give it an imageRef pinned by digest, or build one (a build-image step, or slipway images build)`);
}
