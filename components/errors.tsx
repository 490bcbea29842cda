// Reads a tRPC error for display: the message, and per-field messages for forms.
import { cn } from '@/components/ui/cn';
export function errorMessage(err: unknown): string | null {
  if (!err) return null;
  return err instanceof Error ? err.message : String(err);
}

export function fieldErrors(err: unknown): Record<string, string> {
  const data = (err as { data?: { fieldErrors?: Record<string, string> | null } } | null)?.data;
  return data?.fieldErrors ?? {};
}

/**
 * A failed request's message as an alert. With `besideFields`, nothing is shown when the error is already
 * shown next to the form fields it names.
 */
export function ErrorAlert({ error, besideFields, className }: { error: unknown; besideFields?: boolean; className?: string }) {
  if (!error || (besideFields && Object.keys(fieldErrors(error)).length > 0)) return null;
  return (
    <p role="alert" className={cn('rounded-md bg-danger/10 px-3 py-2 text-sm text-danger', className)}>
      {errorMessage(error)}
    </p>
  );
}

/**
 * The message for a field or anything under it: `owners` also picks up `owners.2`, so a list input shows
 * the error of the entry that failed.
 */
export function errorAt(fields: Record<string, string>, path: string): string | undefined {
  if (fields[path]) return fields[path];
  const key = Object.keys(fields).find((k) => k.startsWith(`${path}.`));
  return key ? `${key.slice(path.length + 1)}: ${fields[key]}` : undefined;
}
