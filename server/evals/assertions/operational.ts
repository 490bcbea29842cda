// Checks on how the release answered rather than what it said: finish-reason, latency (a maximum in ms) and
// cost (a maximum in USD). A cached answer keeps the latency and cost of the call that produced it.
import { binary, checkNumberValue, type AssertionDef } from './spec';

const finishReason: AssertionDef = {
  type: 'finish-reason',
  summary: 'the finish reason equals value (stop, length, content_filter, tool_calls, …)',
  negatable: true,
  validate(spec, path) {
    return typeof spec.value === 'string' && /^[a-z_]+$/i.test(spec.value) ? [] : [`${path}.value: must be a finish reason such as stop or length`];
  },
  evaluate({ spec, output }) {
    const want = (spec.value as string).toLowerCase();
    const got = output.finishReason;
    const ok = got !== null && got.toLowerCase() === want;
    return binary(ok, got === null ? `no finish reason was reported; expected ${want}` : ok ? `finish reason is ${got}` : `finish reason is ${got}, not ${want}`);
  },
};

const latency: AssertionDef = {
  type: 'latency',
  summary: 'the call took at most value milliseconds',
  negatable: false,
  validate: (spec, path) => checkNumberValue(spec, path, 'the most milliseconds allowed'),
  evaluate({ spec, output }) {
    const max = spec.value as number;
    const ms = Math.round(output.latencyMs);
    return binary(output.latencyMs <= max, `latency ${ms} ms ${output.latencyMs <= max ? 'is within' : 'exceeds'} the ${max} ms limit`);
  },
};

function usd(n: number): string {
  return `$${n < 0.01 ? n.toPrecision(3) : n.toFixed(4)}`;
}

const cost: AssertionDef = {
  type: 'cost',
  summary: 'the call cost at most value US dollars',
  negatable: false,
  validate: (spec, path) => checkNumberValue(spec, path, 'the most US dollars allowed'),
  evaluate({ spec, output }) {
    const max = spec.value as number;
    return binary(output.costUsd <= max, `cost ${usd(output.costUsd)} ${output.costUsd <= max ? 'is within' : 'exceeds'} the ${usd(max)} limit`);
  },
};

export const OPERATIONAL_ASSERTIONS: AssertionDef[] = [finishReason, latency, cost];
