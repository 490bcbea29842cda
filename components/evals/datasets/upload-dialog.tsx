'use client';
// Uploads a JSONL, CSV or YAML file of cases as a dataset version. The server checks the file; a bad one is
// refused whole, and each problem is listed with its line. Identical cases create nothing, and the dialog says so.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Upload } from 'lucide-react';
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { errorMessage } from '@/components/errors';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/form';
import { nameFromFile } from './case-text';

const MAX_BYTES = 5 * 1024 * 1024;

export function UploadDatasetDialog({ service, name: fixedName, trigger }: { service: string; name?: string; trigger?: ReactElement }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(fixedName ?? '');
  const [problems, setProblems] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const errorsId = useId();
  const push = useMutation(trpc.datasets.push.mutationOptions());

  const change = (o: boolean) => {
    setOpen(o);
    if (!o) {
      setProblems([]);
      setDone(null);
      push.reset();
      if (!fixedName) setName('');
    }
  };

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const file = form.get('file');
    setProblems([]);
    if (!(file instanceof File) || !file.name) return setProblems(['Choose a file (.jsonl, .csv, .yaml, .yml or .json).']);
    if (file.size > MAX_BYTES) return setProblems([`${file.name}: ${(file.size / 1024 / 1024).toFixed(1)} MB is more than the 5 MB a dataset file may hold; split it into several datasets`]);
    try {
      const res = await push.mutateAsync({
        service,
        name: name.trim(),
        file: { name: file.name, content: await file.text() },
        commitMessage: String(form.get('commitMessage') ?? ''),
        source: 'ui',
      });
      await qc.invalidateQueries({ queryKey: trpc.datasets.pathKey() });
      const ref = `${res.dataset.name}@${res.version.version}`;
      setDone(res.created ? `Created ${ref} with ${res.version.caseCount} case${res.version.caseCount === 1 ? '' : 's'}.` : `Nothing new: ${ref} already holds exactly these cases.`);
    } catch (err) {
      setProblems((errorMessage(err) ?? 'The upload failed').split('\n'));
    }
  }

  return (
    <Dialog open={open} onOpenChange={change}>
      <DialogTrigger asChild>
        {trigger ?? (
          <Button>
            <Upload className="h-4 w-4" aria-hidden /> Upload dataset
          </Button>
        )}
      </DialogTrigger>
      <DialogContent
        title={fixedName ? `Push a new version of ${fixedName}` : 'Upload a dataset'}
        description="A JSONL, CSV or YAML file of cases: variables or messages, and optionally id, expected, tags and metadata. Identical cases make no new version."
        size="lg"
      >
        {done ? (
          <div className="grid gap-4">
            <p role="status" className="text-sm">
              {done}
            </p>
            <div className="flex justify-end">
              <DialogClose asChild>
                <Button>Done</Button>
              </DialogClose>
            </div>
          </div>
        ) : (
          <form onSubmit={(e) => void onSubmit(e)} className="grid gap-4" aria-label="Upload a dataset">
            <Field label="File" hint="CSV: columns vars.<name> (or plain names), expected, tags (split on ; or |), metadata.<key>, id.">
              <Input
                name="file"
                type="file"
                accept=".jsonl,.ndjson,.csv,.yaml,.yml,.json"
                required
                aria-describedby={problems.length ? errorsId : undefined}
                onChange={(e) => {
                  const f = e.currentTarget.files?.[0];
                  if (f && !fixedName && !name) setName(nameFromFile(f.name));
                }}
              />
            </Field>
            {fixedName ? null : (
              <Field label="Dataset name" hint="Lowercase letters, digits and dashes. A new name creates the dataset.">
                <Input name="name" value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z0-9]+(-[a-z0-9]+)*" minLength={2} maxLength={63} autoComplete="off" />
              </Field>
            )}
            <Field label="Message">
              <Input name="commitMessage" maxLength={2000} placeholder="optional; what changed in these cases" autoComplete="off" />
            </Field>
            {problems.length ? (
              <div id={errorsId} role="alert" className="rounded-md bg-danger/10 px-3 py-2 text-sm text-danger">
                <p className="font-medium">{problems.length === 1 ? 'The file was not stored:' : `The file was not stored; ${problems.length} problems:`}</p>
                <ul className="mt-1 list-disc space-y-0.5 pl-5 font-mono text-xs">
                  {problems.map((p, i) => (
                    <li key={i}>{p}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            <div className="flex flex-wrap justify-end gap-2">
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" disabled={push.isPending}>
                {push.isPending ? 'Uploading…' : 'Upload'}
              </Button>
            </div>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
