// Which image a container model version runs.
import type { Db } from '@/db/client';
import type { ModelVersion } from '@/db/schema';
import { precondition } from '@/server/errors';

/** The image reference a model version's containers run: its `imageRef` (pinned by digest, or a local image id). */
export async function imageForModelVersion(_db: Db, modelVersion: Pick<ModelVersion, 'id' | 'imageRef' | 'providerKind'>): Promise<string> {
  if (modelVersion.providerKind !== 'container') throw precondition(`model version ${modelVersion.id} is not a container model version`);
  if (modelVersion.imageRef) return modelVersion.imageRef;
  throw precondition(`model version ${modelVersion.id} has no image: give it an imageRef pinned by digest, or build one`);
}
