// Datasets of eval cases, per service: push versions, browse, search and diff them, and add gateway samples.
import { addSamples, addSamplesInput } from '@/server/services/datasets/add-samples';
import { listCases, listCasesInput } from '@/server/services/datasets/cases';
import { diffDatasetInput, diffDatasetVersions } from '@/server/services/datasets/diff';
import { getDataset, getDatasetInput } from '@/server/services/datasets/get';
import { listDatasets, listDatasetsInput } from '@/server/services/datasets/list';
import { pushDataset, pushDatasetInput } from '@/server/services/datasets/push';
import { listSamples, listSamplesInput } from '@/server/services/datasets/samples';
import { router, scopedProcedure } from '../trpc';

export const datasetsRouter = router({
  list: scopedProcedure('services:read').input(listDatasetsInput).query(({ ctx, input }) => listDatasets(ctx, input)),
  get: scopedProcedure('services:read').input(getDatasetInput).query(({ ctx, input }) => getDataset(ctx, input)),
  cases: scopedProcedure('services:read').input(listCasesInput).query(({ ctx, input }) => listCases(ctx, input)),
  diff: scopedProcedure('services:read').input(diffDatasetInput).query(({ ctx, input }) => diffDatasetVersions(ctx, input)),
  samples: scopedProcedure('services:read').input(listSamplesInput).query(({ ctx, input }) => listSamples(ctx, input)),
  push: scopedProcedure('datasets:write').input(pushDatasetInput).mutation(({ ctx, input }) => pushDataset(ctx, input)),
  addSamples: scopedProcedure('datasets:write').input(addSamplesInput).mutation(({ ctx, input }) => addSamples(ctx, input)),
});
