// How many gateway workers run when SLIPWAY_GATEWAY_WORKERS is unset: `npm start` leaves one core to the app's own
// process (its telemetry writes, the embedded database, the console), `npm run gateway` puts a worker on every
// core; never none.
import { describe, expect, it } from 'vitest';
import { defaultWorkerCount } from '@/server/gateway/workers';

describe('the default number of gateway workers', () => {
  it('is one per core less one for npm start, at least one', () => {
    expect(defaultWorkerCount('app', 1)).toBe(1);
    expect(defaultWorkerCount('app', 2)).toBe(1);
    expect(defaultWorkerCount('app', 8)).toBe(7);
  });
  it('is one per core for a gateway process', () => {
    expect(defaultWorkerCount('gateway', 1)).toBe(1);
    expect(defaultWorkerCount('gateway', 2)).toBe(2);
    expect(defaultWorkerCount('gateway', 8)).toBe(8);
  });
});
