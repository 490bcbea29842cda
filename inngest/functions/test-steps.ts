// A fixture for Slipway's own end-to-end tests, served only with SLIPWAY_TEST_FUNCTIONS=on: three steps, the
// middle one slow, each appending a line to `test-steps.log` in the data folder when its body runs, so a test can
// stop the app mid-run and count which step bodies ran how often.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { env } from '@/server/env';
import { inngest } from '../client';
import { testStepsEvent } from '../events';

const note = (line: string) => appendFileSync(path.join(env().SLIPWAY_DATA_DIR, 'test-steps.log'), `${line}\n`);

export const testSteps = inngest.createFunction({ id: 'test-steps', name: 'Test steps', triggers: [testStepsEvent] }, async ({ event, step }) => {
  const { label, slowMs } = event.data;
  await step.run('first', () => note(`${label} first`));
  await step.run('slow', async () => {
    note(`${label} slow-start`);
    await new Promise((r) => setTimeout(r, slowMs));
    note(`${label} slow-end`);
  });
  await step.run('last', () => note(`${label} last`));
  return { label };
});
