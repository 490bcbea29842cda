// The CEL expressions the executor evaluates for triggers, waits, cancellations and keys, over JSON event data.
import { describe, expect, it } from 'vitest';
import { compileExpression, evaluate, ExpressionError, holds, keyOf } from '@/server/executor/expressions';

const run = { name: 'app/order.created', data: { id: 7, user: { id: 'u1', plan: 'pro' }, tags: ['a', 'b'], total: 12.5 } };
const incoming = { name: 'app/order.paid', data: { id: 7, user: { id: 'u1' } } };
const vars = { event: run, async: incoming };

describe('expressions', () => {
  it('matches fields of the run’s event against the incoming one, as waitForEvent’s match does', () => {
    expect(holds('event.data.id == async.data.id', vars)).toBe(true);
    expect(holds('event.data.user.id == async.data.user.id && async.name == "app/order.paid"', vars)).toBe(true);
    expect(holds('event.data.id != async.data.id', vars)).toBe(false);
  });

  it('compares, computes and tests membership', () => {
    expect(evaluate('event.data.total > 10 && event.data.total <= 12.5', vars)).toBe(true);
    expect(evaluate("'b' in event.data.tags", vars)).toBe(true);
    expect(evaluate("'plan' in event.data.user", vars)).toBe(true);
    // Event numbers are doubles: arithmetic with them is written with doubles, and comparisons mix freely.
    expect(evaluate('event.data.id * 2.0 + 1.0', vars)).toBe(15);
    expect(() => evaluate('event.data.id * 2', vars)).toThrow(/no matching overload/);
    expect(evaluate('event.data.id == 7 && size(event.data.tags) == 2', vars)).toBe(true);
    expect(evaluate("event.data.user.plan + '-' + string(event.data.id)", vars)).toBe('pro-7');
    expect(evaluate('size(event.data.tags) == 2 ? "two" : "other"', vars)).toBe('two');
    expect(evaluate("event.name.startsWith('app/') && !event.name.endsWith('.paid')", vars)).toBe(true);
    expect(evaluate('event.data.tags[1]', vars)).toBe('b');
    expect(evaluate("event.data['user'].id", vars)).toBe('u1');
    expect(evaluate('{"a": [1, 2]} == {"a": [1, 2]}', vars)).toBe(true);
  });

  it('treats a missing field as an error, so a condition on it does not match', () => {
    expect(() => evaluate('event.data.missing == 1', vars)).toThrow(ExpressionError);
    expect(holds('event.data.missing == async.data.missing', vars)).toBe(false);
    expect(holds('has(event.data.missing)', vars)).toBe(false);
    expect(holds('has(event.data.id)', vars)).toBe(true);
    // CEL's logical operators let a decided side absorb an error on the other.
    expect(holds('event.data.missing == 1 || event.data.id == 7', vars)).toBe(true);
    expect(holds('event.data.id == 8 && event.data.missing == 1', vars)).toBe(false);
  });

  it('makes keys from values, and none when the value is missing', () => {
    expect(keyOf('event.data.user.id', vars)).toBe('u1');
    expect(keyOf('event.data.id', vars)).toBe('7');
    expect(keyOf('"openai"', vars)).toBe('openai');
    expect(keyOf('event.data.nope', vars)).toBeNull();
  });

  it('rejects bad syntax with a message', () => {
    expect(() => compileExpression('event.data.id ==')).toThrow(/cannot parse "event.data.id ==": .*1:15/);
    expect(() => compileExpression('event.data.id = 1')).toThrow(ExpressionError);
    expect(() => compileExpression("'open")).toThrow(/cannot parse/);
  });
});
