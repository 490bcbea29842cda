// slipway/ping → pong: the smallest function, so that anyone can see the jobs engine run one end to end.
import { inngest } from '../client';
import { pingEvent } from '../events';

export const ping = inngest.createFunction({ id: 'ping', name: 'Ping', triggers: [pingEvent] }, async ({ event, step }) => {
  const pong = await step.run('pong', () => ({ reply: `pong: ${event.data.message ?? 'ping'}`, at: new Date().toISOString() }));
  return pong;
});
