// The ping function on its own, with @inngest/test: its step and its answer, without any engine.
import { InngestTestEngine } from '@inngest/test';
import { describe, expect, it } from 'vitest';
import { pingEvent } from '@/inngest/events';
import { ping } from '@/inngest/functions/ping';

describe('ping function', () => {
  it('answers pong with the message, from its one step', async () => {
    const t = new InngestTestEngine({ function: ping, events: [{ name: 'slipway/ping', data: { message: 'hello' } }] });
    const { result, ctx, state } = await t.execute();
    expect(result).toMatchObject({ reply: 'pong: hello' });
    expect(ctx.step.run).toHaveBeenCalledTimes(1);
    expect(ctx.step.run).toHaveBeenCalledWith('pong', expect.any(Function));
    // The step's memoized state, as the engine would keep it.
    expect(Object.keys(state)).toHaveLength(1);
    await expect(Object.values(state)[0]).resolves.toMatchObject({ reply: 'pong: hello', at: expect.any(String) });
  });

  it('says ping when no message is given', async () => {
    const t = new InngestTestEngine({ function: ping, events: [{ name: 'slipway/ping', data: {} }] });
    const { result } = await t.executeStep('pong');
    expect(result).toMatchObject({ reply: 'pong: ping' });
  });

  it('checks a payload before it is sent', async () => {
    await expect(pingEvent.create({ message: 'x'.repeat(201) }).validate()).rejects.toThrow(/message/);
    await expect(pingEvent.create({ message: 'fine' }).validate()).resolves.toBeUndefined();
  });
});
