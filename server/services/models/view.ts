// How a model version is shown: prices as numbers, the API key only by its secret's name.
import type { ModelVersion } from '@/db/schema';

export function toModelVersionView(v: ModelVersion, model: string, apiKeySecret: string | null) {
  const { apiKeySecretId: _id, priceInputPer1M, priceOutputPer1M, ...rest } = v;
  return { ...rest, model, ref: `${model}@${v.version}`, apiKeySecret, priceInputPer1M: Number(priceInputPer1M), priceOutputPer1M: Number(priceOutputPer1M) };
}
export type ModelVersionView = ReturnType<typeof toModelVersionView>;
