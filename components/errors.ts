// Reads a tRPC error for display: the message, and per-field messages for forms.
export function errorMessage(err: unknown): string | null {
  if (!err) return null;
  return err instanceof Error ? err.message : String(err);
}

export function fieldErrors(err: unknown): Record<string, string> {
  const data = (err as { data?: { fieldErrors?: Record<string, string> | null } } | null)?.data;
  return data?.fieldErrors ?? {};
}
