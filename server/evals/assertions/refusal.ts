// is-refusal: recognises a model declining to answer ("I can't help with that", "I'm not able to…", "as an AI
// I cannot…"). An empty answer counts as a refusal too: nothing was answered. Use `not-is-refusal` to require
// an answer.
import { refusalPhrase } from '@/server/lib/refusal';
import { binary, quote, type AssertionDef } from './spec';

export { refusalPhrase };

const isRefusal: AssertionDef = {
  type: 'is-refusal',
  summary: 'the output declines to answer (an empty output counts); not-is-refusal requires an answer',
  negatable: true,
  validate(spec, path) {
    return spec.value === undefined ? [] : [`${path}.value: is-refusal takes no value`];
  },
  evaluate({ output }) {
    const phrase = refusalPhrase(output.content);
    return binary(phrase !== null, phrase !== null ? `output is a refusal: ${quote(phrase, 60)}` : 'output is not a refusal');
  },
};

export const REFUSAL_ASSERTIONS: AssertionDef[] = [isRefusal];
