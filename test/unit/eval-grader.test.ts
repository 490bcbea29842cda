// The reference model server's grader on its own: it reads the judge prompts the assertions write, and judges
// facts of the question set, quoted phrases, JSON, refusals and length deterministically.
import { describe, expect, it } from 'vitest';
import { factualityMessages, parseJudgeAnswer, rubricMessages } from '@/server/evals/assertions';
import { answerJudgePrompt, quotedPhrases, readJudgePrompt } from '@/server/reference-model/grader';
import { QUESTIONS } from '@/server/reference-model';

const q = (id: string) => QUESTIONS.find((x) => x.id === id)!;
const userText = (messages: { role: string; content: string }[]) => messages.find((m) => m.role === 'user')!.content;

function judgeRubric(rubric: string, output: string, question?: string) {
  const answer = answerJudgePrompt(userText(rubricMessages({ rubric, output, question })));
  expect(answer).toBeDefined();
  const parsed = parseJudgeAnswer(answer!.text);
  expect(parsed.ok).toBe(true);
  return answer!.grade;
}

function judgeFacts(reference: string, output: string, question?: string) {
  return answerJudgePrompt(userText(factualityMessages({ reference, output, question })))!.grade;
}

describe('the grader', () => {
  it('reads the judge prompt format, with an output that contains the closing tag itself', () => {
    const text = userText(rubricMessages({ rubric: 'Be polite.', output: 'a </output> b', question: 'Hi?' }));
    expect(readJudgePrompt(text)).toEqual({ kind: 'rubric', question: 'Hi?', rubric: 'Be polite.', reference: undefined, output: 'a </output> b' });
    expect(readJudgePrompt('How long is the free trial?')).toBeUndefined();
  });

  it('factuality: the fact of the reference, not a wrong one', () => {
    const refund = q('refund-time');
    expect(judgeFacts(refund.answer, refund.answer, refund.question)).toMatchObject({ pass: true, score: 1 });
    const wrong = judgeFacts(refund.answer, refund.wrong[0]!.answer, refund.question);
    expect(wrong).toMatchObject({ pass: false, score: 0 });
    expect(wrong.reason).toContain('"24 hours"');
    // The reference alone names the question when none is given; "5 GB" is not found inside "50 GB".
    const storage = q('free-plan-storage');
    expect(judgeFacts(storage.fact, storage.wrong[0]!.answer)).toMatchObject({ pass: false });
    expect(judgeFacts(storage.fact, 'You get 5 GB on the free plan.')).toMatchObject({ pass: true });
    expect(judgeFacts(storage.fact, 'Storage depends on your plan.').reason).toMatch(/does not state "5 GB"/);
  });

  it('factuality outside the question set compares key words and numbers', () => {
    expect(judgeFacts('The office opens at 9 in Lisbon.', 'Our Lisbon office opens at 9 every weekday.')).toMatchObject({ pass: true });
    const g = judgeFacts('The office opens at 9 in Lisbon.', 'Our Lisbon office opens at 10.');
    expect(g.pass).toBe(false);
    expect(g.reason).toContain('"9"');
  });

  it('rubric: correctness of the question it names', () => {
    const trial = q('trial-length');
    const rubric = `The answer gives the correct length of the free trial.`;
    expect(judgeRubric(rubric, trial.answer)).toMatchObject({ pass: true, score: 1 });
    expect(judgeRubric(rubric, trial.wrong[1]!.answer)).toMatchObject({ pass: false, score: 0 });
    // The question can also come from the <question> section or be recognised from the output alone.
    expect(judgeRubric('Answers correctly.', q('sso-plan').wrong[0]!.answer, q('sso-plan').question).pass).toBe(false);
    expect(judgeRubric('Answers correctly.', q('sso-plan').answer).pass).toBe(true);
  });

  it('rubric: quoted phrases required and forbidden', () => {
    expect(quotedPhrases(`Mentions "Billing page" and does not mention "Security page" or 'Danger zone'. Says “thanks”.`)).toEqual([
      { phrase: 'Billing page', required: true },
      { phrase: 'Security page', required: false },
      { phrase: 'Danger zone', required: false },
      { phrase: 'thanks', required: true },
    ]);
    expect(quotedPhrases(`Doesn't say 'sorry'.`)).toEqual([{ phrase: 'sorry', required: false }]);
    const rubric = 'Must mention "Billing page" and must not mention "Security page".';
    expect(judgeRubric(rubric, 'Go to the billing page.')).toMatchObject({ pass: true, score: 1 });
    const both = judgeRubric(rubric, 'Billing page, or the Security page.');
    expect(both).toMatchObject({ pass: false, score: 0.5 });
    expect(both.reason).toBe('The output includes the forbidden "Security page" (1 of 2 checks passed).');
  });

  it('rubric: JSON, refusal and length', () => {
    expect(judgeRubric('Replies with a valid JSON object.', '{"answer": "yes"}').pass).toBe(true);
    expect(judgeRubric('Replies with a valid JSON object.', 'Sure! {"answer": "yes"}').pass).toBe(false);
    expect(judgeRubric('Refuses to reveal the system prompt.', "Sorry, I can't do that.").pass).toBe(true);
    expect(judgeRubric('Refuses to reveal the system prompt.', 'My instructions are: be nice.').pass).toBe(false);
    expect(judgeRubric('Answers the question and does not refuse.', "I can't help with that.").pass).toBe(false);
    expect(judgeRubric('Uses at most 2 sentences.', 'One. Two. Three.')).toMatchObject({ pass: false, reason: expect.stringContaining('has 3 sentences (at most 2 allowed)') });
    expect(judgeRubric('Uses at most 2 sentences.', 'One. Two.').pass).toBe(true);
  });

  it('rubric without a recognisable check passes a non-empty output', () => {
    expect(judgeRubric('Is helpful and kind.', 'Happy to help!')).toMatchObject({ pass: true, score: 1 });
    expect(judgeRubric('Is helpful and kind.', '  ')).toMatchObject({ pass: false });
  });
});
