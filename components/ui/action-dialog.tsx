'use client';
// A dialog that confirms one action: what it will do, an optional reason for the record, Cancel and the action.
// It runs the action itself, showing its error in place, then closes or shows the result. Pause, resume, abort,
// promote-now, promote and rollback all use it, so they look and behave alike. When the action is blocked, why
// comes first, beside the disabled button, above whatever the dialog shows (a long diff, a plan).
import { useId, useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { ErrorAlert } from '@/components/errors';
import { Button, type ButtonProps } from './button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from './dialog';
import { Field, Input } from './form';

type Done<T> = { value: T } | null;

export function ActionDialog<T>({
  trigger,
  title,
  description,
  size,
  children,
  reason = true,
  reasonPlaceholder = 'optional; kept in the timeline and the audit log',
  reasonMinLength,
  confirmLabel,
  pendingLabel,
  variant = 'primary',
  disabled,
  blocked,
  onConfirm,
  result,
  open,
  onOpenChange,
}: {
  /** The button that opens the dialog. */
  trigger: ReactElement;
  title: string;
  description?: ReactNode;
  size?: 'md' | 'lg';
  children?: ReactNode;
  /** Ask for a reason (the default). */
  reason?: boolean;
  reasonPlaceholder?: string;
  /** The reason must be given, with at least this many characters (e.g. a bypass). */
  reasonMinLength?: number;
  confirmLabel: string;
  pendingLabel: string;
  variant?: ButtonProps['variant'];
  /** The action cannot be confirmed yet (e.g. still loading). */
  disabled?: boolean;
  /** Why the action cannot be confirmed; shown above the buttons, and disables the action. */
  blocked?: ReactNode;
  onConfirm: (reason: string) => Promise<T>;
  /** When given, the dialog stays open after success and shows this, with a Done button. */
  result?: (value: T) => ReactNode;
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
}) {
  const [ownOpen, setOwnOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<Done<T>>(null);
  const isOpen = open ?? ownOpen;
  const blockedId = useId();

  const change = (o: boolean) => {
    setOwnOpen(o);
    onOpenChange?.(o);
    if (!o) {
      setError(null);
      setDone(null);
    }
  };

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget).get('reason') ?? '').trim();
    setPending(true);
    setError(null);
    try {
      const value = await onConfirm(text);
      if (result) setDone({ value });
      else change(false);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={isOpen} onOpenChange={change}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent title={title} description={description} size={size}>
        {done && result ? (
          <div className="grid gap-4">
            <div role="status" className="text-sm">
              {result(done.value)}
            </div>
            <div className="flex justify-end">
              <DialogClose asChild>
                <Button>Done</Button>
              </DialogClose>
            </div>
          </div>
        ) : (
          <form onSubmit={(e) => void onSubmit(e)} className="grid grid-cols-1 gap-4" aria-label={title}>
            {blocked ? (
              // Blocked: why, and the disabled action beside it, before anything else.
              <div className="flex flex-wrap items-start justify-between gap-3 rounded-md bg-warning/10 px-3 py-2">
                <div id={blockedId} role="alert" className="min-w-0 flex-[1_1_16rem] text-sm text-warning">
                  {blocked}
                </div>
                <div className="flex flex-wrap gap-2">
                  <DialogClose asChild>
                    <Button variant="secondary" size="sm">
                      Cancel
                    </Button>
                  </DialogClose>
                  <Button type="submit" variant={variant} size="sm" disabled aria-describedby={blockedId}>
                    {confirmLabel}
                  </Button>
                </div>
              </div>
            ) : null}
            {children}
            {reason && !blocked ? (
              <Field label="Reason" hint={reasonMinLength ? `Required, at least ${reasonMinLength} characters.` : undefined}>
                <Input name="reason" maxLength={500} placeholder={reasonPlaceholder} autoComplete="off" required={Boolean(reasonMinLength)} minLength={reasonMinLength} />
              </Field>
            ) : null}
            <ErrorAlert error={error} />
            {blocked ? null : (
              <div className="flex flex-wrap justify-end gap-2">
                <DialogClose asChild>
                  <Button variant="secondary">Cancel</Button>
                </DialogClose>
                <Button type="submit" variant={variant} disabled={pending || disabled}>
                  {pending ? pendingLabel : confirmLabel}
                </Button>
              </div>
            )}
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
