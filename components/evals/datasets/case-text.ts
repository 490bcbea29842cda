// How a case's input reads in a table cell: its variables as name: value, or its messages as [role] content.
import type { CaseInput } from '@/db/schema';

export function caseInputText(input: CaseInput): string {
  const vars = input.variables && Object.keys(input.variables).length ? Object.entries(input.variables).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`) : [];
  const messages = input.messages?.map((m) => `[${m.role}] ${m.content}`) ?? [];
  return [...vars, ...messages].join('\n') || '(no variables)';
}

/** A slug for a dataset name from a file name: `Support FAQ.v2.jsonl` → `support-faq-v2`. */
export function nameFromFile(fileName: string): string {
  return fileName
    .replace(/\.[a-z0-9]+$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}
