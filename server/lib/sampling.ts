// Which requests keep a sample: a fraction in [0, 1) worked out from the request id alone, so the gateway (which
// keeps a request's input and output when the fraction falls under its share) and online evals (which score the
// requests whose fraction falls under theirs) pick the same requests, whatever share each uses. The database
// computes the same fraction (`SAMPLE_FRACTION_SQL`), so a scoring pass selects its share without reading the rest.
import { createHash } from 'node:crypto';

/** The request's place in [0, 1): the first 32 bits of the MD5 of its id, over 2³². */
export function sampleFraction(requestId: string): number {
  return parseInt(createHash('md5').update(requestId).digest('hex').slice(0, 8), 16) / 2 ** 32;
}

/** Whether a request falls in the first `percent` % (0–100) of requests. */
export function inSample(requestId: string, percent: number): boolean {
  return percent > 0 && sampleFraction(requestId) * 100 < percent;
}

/** The same fraction in SQL, for a text column holding the request id. */
export const sampleFractionSql = (column: string) => `(('x' || substr(md5(${column}), 1, 8))::bit(32)::bigint / 4294967296.0)`;
