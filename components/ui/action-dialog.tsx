'use client';
// A dialog that confirms one action: what it will do, an optional reason for the record, Cancel and the action.
// It runs the action itself, showing its error in place, then closes or shows the result. Pause, resume, abort,
// promote-now, promote and rollback all use it, so they look and behave alike.
import { useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
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
          <form onSubmit={(e) => void onSubmit(e)} className="grid gap-4" aria-label={title}>
            {children}
            {reason ? (
              <Field label="Reason">
                <Input name="reason" maxLength={500} placeholder={reasonPlaceholder} autoComplete="off" />
              </Field>
            ) : null}
            {blocked ? (
              <p role="alert" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
                {blocked}
              </p>
            ) : null}
            <ErrorAlert error={error} />
            <div className="flex flex-wrap justify-end gap-2">
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" variant={variant} disabled={pending || disabled || Boolean(blocked)}>
                {pending ? pendingLabel : confirmLabel}
              </Button>
            </div>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
