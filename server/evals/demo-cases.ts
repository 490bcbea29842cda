// The demo's eval content: a dataset of support questions written from the reference model server's question
// set (hand-written paraphrases in a few framings, plus cases that ask for the answer as JSON) and the suite
// that scores support-bot on it. Deterministic: the same cases in the same order every time.
import type { CaseInput, Json } from '@/db/schema';
import { QUESTIONS, type Question } from '@/server/reference-model/questions';

/** A case as a dataset file gives it. */
export interface DemoCase {
  externalId: string;
  input: CaseInput;
  expected: string;
  tags: string[];
  metadata: Record<string, Json>;
}

/** The judge the demo's rubric asks: a model version on the reference server's `ref-grader`. */
export const DEMO_GRADER = { model: 'grader', version: 1, upstreamModel: 'ref-grader' } as const;

/**
 * Five ways a customer asks each question. Each one keeps a word of every keyword group of its question and
 * no combination that another question would claim first; the unit test checks both with the server's matcher.
 */
const PARAPHRASES: Record<string, readonly string[]> = {
  'refund-time': [
    'When will my refund show up on my card?',
    'How many days until I get my refund back?',
    'I asked for a refund last week; how long until it arrives?',
    'Roughly how long do refunds take to come through?',
    'My refund has not reached my bank yet. Is that normal?',
  ],
  'password-reset-expiry': [
    'Does the password reset link expire?',
    'For how long can I use the link to reset my password?',
    'My password reset message is from yesterday; is the link still valid?',
    'How long does a reset link for a forgotten password last?',
    'When does the password link you sent me expire?',
  ],
  'free-plan-storage': [
    'What is the storage limit on the free plan?',
    'How many gigabytes do I get for free?',
    'Is there a cap on disk space for free workspaces?',
    'How much space comes with the free tier?',
    'On the free plan, how much can I keep before I run out of storage?',
  ],
  'cancel-subscription': [
    'How do I cancel my plan?',
    'I want to stop my subscription. Where do I do that?',
    'Where is the button to end my membership?',
    'Can I cancel the subscription myself, and where?',
    'What are the steps to stop my Acme Cloud plan from renewing?',
  ],
  'two-factor-methods': [
    'Which 2FA options can I use?',
    'Do you support MFA with a security key?',
    'What kinds of second factor can I set up for sign-in?',
    'Is multi-factor authentication available, and with what methods?',
    'Can I secure my login with two-factor authentication, and how?',
  ],
  'export-format': [
    'What file types can I export to?',
    'Can I export all my data as a spreadsheet?',
    'Which formats are available for exporting?',
    'I want to download all my data. What format will it come in?',
    'How do I take out my data, and in what format?',
  ],
  'support-hours': [
    'When is customer service open?',
    'What hours is the support team available?',
    'Is your help desk open on Fridays?',
    'At what hours can I reach support?',
    'Can I call support on Saturday, or when are you open?',
  ],
  'api-rate-limit': [
    'How many requests per minute does the API allow?',
    'Why is the API throttling me? What is the limit?',
    "What's the rate limit for API calls?",
    'How many requests can I send to the API each minute?',
    'Is there a rate limit on the REST API?',
  ],
  'upload-size': [
    'How big can an uploaded file be?',
    'Is there a size limit for uploads?',
    "What's the largest file I can upload?",
    'My upload failed. Is there a maximum file size?',
    'What is the max size of a single upload?',
  ],
  'pro-seats': [
    'How many seats come with Pro?',
    'On the Pro plan, how many people can I invite?',
    'What is the user limit for Pro workspaces?',
    'Can I add 30 colleagues on Pro?',
    'How many team members fit in a Pro workspace?',
  ],
  'invoice-download': [
    'How do I get a copy of my invoice?',
    'Where are my receipts?',
    "I need last month's invoice for accounting. Where do I find it?",
    'Can I download past invoices as PDF?',
    'Where can I find receipts for my payments?',
  ],
  'deletion-retention': [
    'If I close my account, do you keep my data?',
    'What is your data retention after account deletion?',
    'Once my account is deleted, how long is my data retained?',
    'Do you keep anything after I delete my account?',
    'After I close the account, when is my data gone for good?',
  ],
  'sso-plan': [
    'Do you offer SSO?',
    'Which plan has SAML login?',
    'Is single sign-on part of the Pro plan?',
    'What do I need to buy to get SSO?',
    'Can we use single sign-on with our identity provider, and on which plan?',
  ],
  'payment-methods': [
    'Do you accept PayPal, or only cards?',
    'Which payment options are there?',
    'How can I pay for my subscription?',
    'What payment methods are accepted?',
    'Which cards do you take?',
  ],
  'uptime-sla': [
    'What availability do you promise?',
    'Is there a service level agreement, and what does it cover?',
    'How much uptime do you guarantee per month?',
    'What does the SLA say about downtime?',
    'What is your guaranteed monthly uptime?',
  ],
  'trial-length': [
    'How many days is the trial?',
    'When does my free trial end?',
    'How long can I try Acme Cloud on a trial?',
    'Is the trial two weeks or a month?',
    'What is the length of the trial period?',
  ],
  'change-email': [
    'Can I update my email address?',
    'I have a new e-mail. How do I switch my login to it?',
    'How do I edit the email on my profile?',
    'Is it possible to change the email I sign in with?',
    'My email changed at work; how do I update it here?',
  ],
  'data-region': [
    'Which country is my data hosted in?',
    'Where are the servers that store my files?',
    'Where do you keep my data?',
    'What is the location of the data centre?',
    'Is my data stored in the EU? Where exactly?',
  ],
  'api-key-limit': [
    'Is there a limit on API keys per workspace?',
    'How many tokens can I create?',
    'What is the maximum number of API keys?',
    "Can I have more than 10 API keys? What's the max?",
    'How many API keys are allowed in one workspace?',
  ],
  'downgrade-data': [
    'If I downgrade my workspace, do I lose files?',
    'Will downgrading delete anything?',
    'What happens to my projects when I downgrade to free?',
    "I'm thinking of downgrading. Is my data safe?",
    'Does a downgrade remove what is above the free limits?',
  ],
  'backup-frequency': [
    'How often are backups taken?',
    'Is my workspace backed up daily?',
    'How frequently do you back up customer files?',
    'What is your backup schedule?',
    'Do you make backups of my files, and how often?',
  ],
};

/** Openings and closings a customer adds; none holds a word any question's keywords look for. */
const OPENERS = ['', 'Hi! ', 'Hello. ', 'Quick question. ', 'Good morning. ', 'Sorry to bother you. '] as const;
const CLOSERS = ['', ' Thanks!', ' Thank you.', ' Cheers.', ' I would appreciate a quick answer.'] as const;

/** Ways a case asks for the answer as JSON; the reference model follows them as it follows `response_format`. */
export const JSON_INSTRUCTIONS = ['Reply in JSON with an "answer" field.', 'Please answer as a JSON object.'] as const;

/** Framings per paraphrase: 21 questions × 5 paraphrases × 2 framings, plus 2 JSON cases per question. */
const FRAMINGS_PER_PARAPHRASE = 2;
const JSON_CASES_PER_QUESTION = 2;

function topicOf(q: Question): string {
  return q.article.split('/')[0]!;
}

/** The demo dataset's cases, in a fixed order: every plain paraphrase case, then the JSON cases. */
export function demoCases(): DemoCase[] {
  const plain: DemoCase[] = [];
  const json: DemoCase[] = [];
  QUESTIONS.forEach((q, qi) => {
    const paraphrases = PARAPHRASES[q.id];
    if (!paraphrases) throw new Error(`demo cases: no paraphrases for question ${q.id}`);
    const base = { expected: q.fact, metadata: { questionId: q.id, article: q.article } };
    paraphrases.forEach((text, pi) => {
      for (let f = 0; f < FRAMINGS_PER_PARAPHRASE; f++) {
        // Spread the framings so neighbouring cases (and questions) do not share one.
        const k = qi * 7 + pi * FRAMINGS_PER_PARAPHRASE + f;
        const question = `${OPENERS[k % OPENERS.length]}${text}${CLOSERS[(k * 3 + f) % CLOSERS.length]}`;
        plain.push({ ...base, externalId: `${q.id}-${pi + 1}${'ab'[f]}`, input: { variables: { question } }, tags: ['paraphrase', topicOf(q)] });
      }
    });
    for (let j = 0; j < JSON_CASES_PER_QUESTION; j++) {
      const text = paraphrases[(qi + j * 2) % paraphrases.length]!;
      const question = `${text} ${JSON_INSTRUCTIONS[(qi + j) % JSON_INSTRUCTIONS.length]}`;
      json.push({ ...base, externalId: `${q.id}-json-${j + 1}`, input: { variables: { question } }, tags: ['json', topicOf(q)] });
    }
  });
  return [...plain, ...json];
}

/** Cases as a JSONL file, the format `slipway datasets push` takes. */
export function toJsonl(cases: DemoCase[]): string {
  return cases.map((c) => JSON.stringify({ id: c.externalId, variables: c.input.variables, expected: c.expected, tags: c.tags, metadata: c.metadata })).join('\n') + '\n';
}

/**
 * The demo's datasets and suites. Questions and JSON answers are two suites because an assertion applies to every
 * case of its suite: JSON validity is asked only of the cases that ask for JSON. Both decide the `eval` gate of
 * staging and production (the environments that require it); production's minimum eval score applies to both.
 */
export function demoEvalContent() {
  const cases = demoCases();
  const plain = cases.filter((c) => !c.tags.includes('json'));
  const json = cases.filter((c) => c.tags.includes('json'));
  const judge = `${DEMO_GRADER.model}@${DEMO_GRADER.version}`;
  return {
    datasets: [
      { name: 'support-questions', description: 'Customer questions about Acme Cloud, paraphrased from the help centre, with the fact a correct answer states.', file: { name: 'support-questions.jsonl', content: toJsonl(plain) }, count: plain.length },
      { name: 'support-json', description: 'The same questions asked for a JSON answer, as an integration would.', file: { name: 'support-json.jsonl', content: toJsonl(json) }, count: json.length },
    ],
    suites: [
      {
        name: 'support-answers',
        yaml: `description: Answers support questions with the right fact, judged helpful by the grader
dataset: support-questions
threshold: 0.6
concurrency: 8
budgetUsd: 1
gate: { maxRegression: 0.02, alpha: 0.05 }
assertions:
  - type: icontains
    value: "{{expected}}"
    weight: 2
    metric: accuracy
  - type: llm-rubric
    judge: ${judge}
    value: 'Answers the customer''s question and states "{{expected}}".'
    weight: 1
    metric: helpfulness
`,
      },
      {
        name: 'support-live',
        yaml: `description: Scores live answers (online evals) without an expected answer; decides no gate
dataset: support-questions
environments: []
threshold: 0.6
concurrency: 8
budgetUsd: 1
assertions:
  - type: not-is-refusal
    weight: 1
    metric: answered
  - type: llm-rubric
    judge: ${judge}
    value: 'Answers the customer''s question correctly.'
    weight: 2
    metric: correctness
`,
      },
      {
        name: 'support-json',
        yaml: `description: Answers in valid JSON when asked, with the right fact inside
dataset: support-json
threshold: 0.75
concurrency: 8
budgetUsd: 0.5
gate: { maxRegression: 0.02, alpha: 0.05 }
assertions:
  - type: is-json
    weight: 1
    metric: format
  - type: icontains
    value: "{{expected}}"
    weight: 1
    metric: accuracy
`,
      },
    ],
  };
}
