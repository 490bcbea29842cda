// The built-in question set: factual support questions about a fictional product (Acme Cloud), each with a
// correct answer and plausible wrong ones, and the matcher that recognises a question in free text, paraphrased.
// Evals check an answer by its `fact`: correct answers contain it, wrong answers never do.

export interface WrongAnswer {
  answer: string;
  fact: string;
}

export interface Question {
  id: string;
  question: string;
  /** The correct answer's core sentence; contains `fact`. */
  answer: string;
  /** The short string an eval looks for in a correct answer. */
  fact: string;
  wrong: WrongAnswer[];
  /** Sentences that elaborate without stating the fact either way, used when the model is verbose. */
  details: string[];
  /** Every group must have one of its words in the text (matched at word starts, so "refund" finds "refunds"). */
  keywords: string[][];
  /** The help-centre article an answer cites when the prompt asks for sources. */
  article: string;
}

export const QUESTIONS: readonly Question[] = [
  {
    id: 'refund-time',
    question: 'How long does a refund take to reach my card?',
    answer: 'Refunds reach your original payment method within 5 to 10 business days.',
    fact: '5 to 10 business days',
    wrong: [
      { answer: 'Refunds reach your original payment method within 24 hours.', fact: '24 hours' },
      { answer: 'Refunds reach your original payment method within 30 business days.', fact: '30 business days' },
    ],
    details: ['You can follow the refund under Billing, in the invoice it belongs to.', 'Your bank may take a little longer to show it on your statement.'],
    keywords: [['refund'], ['how long', 'how many days', 'when', 'take', 'arrive', 'reach']],
    article: 'billing/refunds',
  },
  {
    id: 'password-reset-expiry',
    question: 'How long is a password reset link valid?',
    answer: 'A password reset link stays valid for 60 minutes after it is sent.',
    fact: '60 minutes',
    wrong: [
      { answer: 'A password reset link stays valid for 24 hours after it is sent.', fact: '24 hours' },
      { answer: 'A password reset link stays valid for 7 days after it is sent.', fact: '7 days' },
    ],
    details: ['If it has expired, request a new link from the sign-in page.', 'Only the most recent link works; older ones stop working when a new one is sent.'],
    keywords: [['password'], ['reset', 'link'], ['long', 'valid', 'expire', 'last']],
    article: 'account/reset-password',
  },
  {
    id: 'free-plan-storage',
    question: 'How much storage does the free plan include?',
    answer: 'The free plan includes 5 GB of storage per workspace.',
    fact: '5 GB',
    wrong: [
      { answer: 'The free plan includes 50 GB of storage per workspace.', fact: '50 GB' },
      { answer: 'The free plan includes 1 TB of storage per workspace.', fact: '1 TB' },
    ],
    details: ['You can see how much you use on the Usage page.', 'Paid plans raise the limit and let you buy more.'],
    keywords: [['storage', 'space', 'gigabyte', 'gb'], ['free']],
    article: 'plans/free-plan',
  },
  {
    id: 'cancel-subscription',
    question: 'Where do I cancel my subscription?',
    answer: 'You cancel your subscription on the Billing page, with the Cancel plan button.',
    fact: 'Billing page',
    wrong: [
      { answer: 'You cancel your subscription on the Security page, under Danger zone.', fact: 'Security page' },
      { answer: 'You cancel your subscription by emailing the sales team.', fact: 'emailing the sales team' },
    ],
    details: ['Only workspace owners can cancel.', 'Your plan stays active until the end of the period you paid for.'],
    keywords: [['cancel', 'end', 'stop'], ['subscription', 'plan', 'membership']],
    article: 'billing/cancel',
  },
  {
    id: 'two-factor-methods',
    question: 'Which two-factor authentication methods are supported?',
    answer: 'Two-factor authentication works with authenticator apps and hardware security keys.',
    fact: 'hardware security keys',
    wrong: [
      { answer: 'Two-factor authentication works with text messages (SMS) only.', fact: 'SMS' },
      { answer: 'Two-factor authentication works with email codes only.', fact: 'email codes' },
    ],
    details: ['You turn it on under Profile, in the Security section.', 'Keep your recovery codes somewhere safe in case you lose your device.'],
    keywords: [['two factor', '2fa', 'mfa', 'multi factor', 'second factor']],
    article: 'security/two-factor',
  },
  {
    id: 'export-format',
    question: 'In which formats can I export my data?',
    answer: 'You can export your data as CSV or JSON files.',
    fact: 'CSV or JSON',
    wrong: [
      { answer: 'You can export your data as PDF files only.', fact: 'PDF files only' },
      { answer: 'You can export your data as XML files only.', fact: 'XML files only' },
    ],
    details: ['Exports are prepared in the background and emailed to you when ready.', 'Large workspaces may take a few minutes.'],
    keywords: [['export', 'download all', 'take out'], ['format', 'data', 'file type']],
    article: 'data/export',
  },
  {
    id: 'support-hours',
    question: 'What are your support hours?',
    answer: 'Our support team is available Monday to Friday, 8:00 to 20:00 CET.',
    fact: '8:00 to 20:00 CET',
    wrong: [
      { answer: 'Our support team is available Monday to Friday, 9:00 to 17:00 PST.', fact: '9:00 to 17:00 PST' },
      { answer: 'Our support team is available on weekends only.', fact: 'weekends only' },
    ],
    details: ['Enterprise customers also have an on-call line for outages.', 'Messages sent outside these hours are answered the next working day.'],
    keywords: [['support', 'help desk', 'customer service'], ['hour', 'open', 'available', 'when']],
    article: 'contact/support-hours',
  },
  {
    id: 'api-rate-limit',
    question: 'What is the API rate limit?',
    answer: 'The API accepts up to 600 requests per minute per API key.',
    fact: '600 requests per minute',
    wrong: [
      { answer: 'The API accepts up to 100 requests per minute per API key.', fact: '100 requests per minute' },
      { answer: 'The API accepts up to 10,000 requests per minute per API key.', fact: '10,000 requests per minute' },
    ],
    details: ['Responses carry headers that show how much of the limit is left.', 'Requests over the limit get status 429 and can be retried after a short wait.'],
    keywords: [['rate limit', 'throttl', 'requests per', 'how many requests'], ['api', 'limit', 'requests']],
    article: 'api/rate-limits',
  },
  {
    id: 'upload-size',
    question: 'What is the maximum file upload size?',
    answer: 'A single file upload can be at most 2 GB.',
    fact: 'at most 2 GB',
    wrong: [
      { answer: 'A single file upload can be at most 100 MB.', fact: 'at most 100 MB' },
      { answer: 'A single file upload can be at most 20 GB.', fact: 'at most 20 GB' },
    ],
    details: ['Larger files can be uploaded with the command-line tool, which splits them into parts.', 'Uploads resume where they stopped if the connection drops.'],
    keywords: [['upload'], ['size', 'large', 'big', 'maximum', 'max', 'limit']],
    article: 'files/uploads',
  },
  {
    id: 'pro-seats',
    question: 'How many team members can I invite on the Pro plan?',
    answer: 'The Pro plan lets you invite up to 25 team members.',
    fact: 'up to 25 team members',
    wrong: [
      { answer: 'The Pro plan lets you invite up to 10 team members.', fact: 'up to 10 team members' },
      { answer: 'The Pro plan lets you invite unlimited team members.', fact: 'unlimited team members' },
    ],
    details: ['Invitations are sent from the Members page.', 'Guests with read-only access do not count towards the limit.'],
    keywords: [['member', 'seat', 'user', 'people', 'colleague', 'invite'], ['pro']],
    article: 'plans/pro-plan',
  },
  {
    id: 'invoice-download',
    question: 'Where can I download my invoices?',
    answer: 'Invoices can be downloaded from the Invoices tab of the Billing page.',
    fact: 'Invoices tab',
    wrong: [
      { answer: 'Invoices can be downloaded from the Profile page, under Documents.', fact: 'Profile page' },
      { answer: 'Invoices can only be requested from the finance team by email.', fact: 'finance team' },
    ],
    details: ['Each invoice is available as a PDF.', 'You can add your company details so they appear on future invoices.'],
    keywords: [['invoice', 'receipt']],
    article: 'billing/invoices',
  },
  {
    id: 'deletion-retention',
    question: 'How long do you keep my data after I delete my account?',
    answer: 'After you delete your account, your data is kept for 30 days and then erased for good.',
    fact: '30 days',
    wrong: [
      { answer: 'After you delete your account, your data is kept for 90 days and then erased for good.', fact: '90 days' },
      { answer: 'After you delete your account, your data is erased immediately.', fact: 'erased immediately' },
    ],
    details: ['During that time you can still ask support to restore the account.', 'Backups roll over on the same schedule.'],
    keywords: [['delete', 'deletion', 'close'], ['account'], ['data', 'keep', 'retain', 'retention']],
    article: 'privacy/account-deletion',
  },
  {
    id: 'sso-plan',
    question: 'Which plan includes single sign-on?',
    answer: 'Single sign-on is included in the Enterprise plan.',
    fact: 'Enterprise plan',
    wrong: [
      { answer: 'Single sign-on is included in the Pro plan.', fact: 'Pro plan' },
      { answer: 'Single sign-on is included in every plan, even the free one.', fact: 'every plan' },
    ],
    details: ['It works with any SAML 2.0 or OpenID Connect identity provider.', 'You can require it for every member of the workspace.'],
    keywords: [['single sign', 'sso', 'saml']],
    article: 'security/single-sign-on',
  },
  {
    id: 'payment-methods',
    question: 'Which payment methods do you accept?',
    answer: 'We accept credit cards, PayPal and SEPA bank transfers.',
    fact: 'PayPal',
    wrong: [
      { answer: 'We accept credit cards and cryptocurrency.', fact: 'cryptocurrency' },
      { answer: 'We accept wire transfers only.', fact: 'wire transfers only' },
    ],
    details: ['Bank transfers are available on yearly plans.', 'You can change the payment method at any time on the Billing page.'],
    keywords: [['pay', 'payment', 'credit card', 'card'], ['method', 'accept', 'option', 'how can i', 'which']],
    article: 'billing/payment-methods',
  },
  {
    id: 'uptime-sla',
    question: 'What uptime does your SLA guarantee?',
    answer: 'The SLA guarantees 99.9% monthly uptime.',
    fact: '99.9%',
    wrong: [
      { answer: 'The SLA guarantees 99.5% monthly uptime.', fact: '99.5%' },
      { answer: 'The SLA guarantees 100% monthly uptime.', fact: '100%' },
    ],
    details: ['If we miss it, you receive service credits on your next invoice.', 'Current and past incidents are listed on the status page.'],
    keywords: [['uptime', 'sla', 'availability', 'service level']],
    article: 'legal/sla',
  },
  {
    id: 'trial-length',
    question: 'How long is the free trial?',
    answer: 'The free trial lasts 14 days.',
    fact: '14 days',
    wrong: [
      { answer: 'The free trial lasts 7 days.', fact: '7 days' },
      { answer: 'The free trial lasts 60 days.', fact: '60 days' },
    ],
    details: ['No credit card is needed to start it.', 'At the end you choose a plan, or the workspace moves to the free plan.'],
    keywords: [['trial']],
    article: 'plans/trial',
  },
  {
    id: 'change-email',
    question: 'How do I change the email address on my account?',
    answer: 'Change it under Profile, then open the confirmation link we send to the new address.',
    fact: 'confirmation link',
    wrong: [
      { answer: 'Email addresses cannot be changed; you need to create a new account.', fact: 'create a new account' },
      { answer: 'Only an administrator can change it, from the Members page.', fact: 'Only an administrator' },
    ],
    details: ['Until you confirm, sign-in keeps using the old address.', 'We also notify the old address of the change.'],
    keywords: [['email', 'e mail'], ['change', 'update', 'edit', 'new']],
    article: 'account/change-email',
  },
  {
    id: 'data-region',
    question: 'Where is my data stored?',
    answer: 'Your data is stored in our EU data centre in Frankfurt.',
    fact: 'Frankfurt',
    wrong: [
      { answer: 'Your data is stored in our US data centre in Virginia.', fact: 'Virginia' },
      { answer: 'Your data is stored in our data centre in Singapore.', fact: 'Singapore' },
    ],
    details: ['Backups stay in the same region.', 'Enterprise customers can ask for a dedicated region.'],
    keywords: [['where', 'which region', 'location', 'country'], ['data', 'stored', 'hosted', 'store']],
    article: 'privacy/data-location',
  },
  {
    id: 'api-key-limit',
    question: 'How many API keys can a workspace have?',
    answer: 'A workspace can have up to 20 active API keys.',
    fact: 'up to 20 active API keys',
    wrong: [
      { answer: 'A workspace can have only 1 active API key.', fact: 'only 1 active API key' },
      { answer: 'A workspace can have up to 5 active API keys.', fact: 'up to 5 active API keys' },
    ],
    details: ['Revoke keys you no longer use on the API keys page.', 'Each key can be limited to read-only access.'],
    keywords: [['api key', 'token'], ['how many', 'number', 'limit', 'maximum', 'max']],
    article: 'api/keys',
  },
  {
    id: 'downgrade-data',
    question: 'What happens to my data if I downgrade to the free plan?',
    answer: 'If you downgrade, data above the free limits is kept read-only until you upgrade again or remove it.',
    fact: 'read-only',
    wrong: [
      { answer: 'If you downgrade, data above the free limits is deleted immediately.', fact: 'deleted immediately' },
      { answer: 'If you downgrade, all of your projects are archived and cannot be opened.', fact: 'cannot be opened' },
    ],
    details: ['Nothing is lost when you change plans.', 'The Usage page shows which limits you are over.'],
    keywords: [['downgrad']],
    article: 'plans/downgrade',
  },
  {
    id: 'backup-frequency',
    question: 'How often do you back up my data?',
    answer: 'We back up every workspace every 6 hours.',
    fact: 'every 6 hours',
    wrong: [
      { answer: 'We back up every workspace once a week.', fact: 'once a week' },
      { answer: 'We back up every workspace every 24 hours.', fact: 'every 24 hours' },
    ],
    details: ['Backups are kept for 35 days.', 'Restores are done by support on request.'],
    keywords: [['backup', 'back up', 'backed up']],
    article: 'data/backups',
  },
];

/** Lower case, letters and digits only, single spaces, padded so that ' word' finds a word start anywhere. */
export function normalise(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()} `;
}

function groupMatches(norm: string, group: readonly string[]): boolean {
  return group.some((kw) => norm.includes(` ${normalise(kw).trim()}`));
}

/**
 * The question a text asks, if any: its exact wording anywhere in the text, or else every keyword group of the
 * question present. Several candidates: the one with the most groups (the most specific) wins, then list order.
 */
export function matchQuestion(text: string): Question | undefined {
  const norm = normalise(text);
  const exact = QUESTIONS.find((q) => norm.includes(normalise(q.question)));
  if (exact) return exact;
  let best: Question | undefined;
  for (const q of QUESTIONS) {
    if (q.keywords.every((g) => groupMatches(norm, g)) && (!best || q.keywords.length > best.keywords.length)) best = q;
  }
  return best;
}
