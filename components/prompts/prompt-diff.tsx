'use client';
// The difference between any two versions of a prompt: messages as a line diff, and the params, response
// schema and variables that changed.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { FieldChanges, LineDiff } from '@/components/registry/diff-view';
import { useTRPC } from '@/components/trpc';
import { Field, Select } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';

export function PromptDiff({ service, prompt, versions, from, to }: { service: string; prompt: string; versions: number[]; from: number; to: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const diff = useQuery(trpc.prompts.diff.queryOptions({ service, prompt, from, to }, { placeholderData: keepPreviousData }));
  const go = (f: number, t: number) => router.replace(`/prompts/${service}/${prompt}?view=diff&from=${f}&to=${t}`, { scroll: false });

  return (
    <div className="grid gap-5">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="From">
          <Select className="w-28" value={from} onChange={(e) => go(Number(e.target.value), to)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="To">
          <Select className="w-28" value={to} onChange={(e) => go(from, Number(e.target.value))}>
            {versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </Select>
        </Field>
        <p className="pb-2 text-sm text-muted-fg">
          <span className="text-danger">− removed in v{to}</span> · <span className="text-success">+ added in v{to}</span>
        </p>
      </div>
      {diff.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={diff.error} className="px-0" />
      {diff.data ? (
        <>
          <section>
            <h3 className="mb-2 text-sm font-semibold">Messages</h3>
            <LineDiff ops={diff.data.messages} label={`Messages diff v${from} to v${to}`} />
          </section>
          <section>
            <h3 className="mb-2 text-sm font-semibold">Variables</h3>
            <FieldChanges changes={diff.data.variables} label="Variable changes" empty="No variable changed." fromLabel={`v${from}`} toLabel={`v${to}`} />
          </section>
          <section>
            <h3 className="mb-2 text-sm font-semibold">Model parameters</h3>
            <FieldChanges changes={diff.data.params} label="Parameter changes" empty="No parameter changed." fromLabel={`v${from}`} toLabel={`v${to}`} />
          </section>
          <section>
            <h3 className="mb-2 text-sm font-semibold">Response schema</h3>
            <FieldChanges changes={diff.data.responseSchema} label="Response schema changes" empty="The response schema did not change." fromLabel={`v${from}`} toLabel={`v${to}`} />
          </section>
        </>
      ) : null}
    </div>
  );
}
