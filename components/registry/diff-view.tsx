// Diffs as people read them: a line diff with removed lines in red and added ones in green (as <del>/<ins>,
// so assistive technology announces them too), and tables of changed fields.
import type { FieldChange, LineOp } from '@/server/lib/diff';
import { cn } from '@/components/ui/cn';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { inline } from './json';

export function LineDiff({ ops, label }: { ops: LineOp[]; label: string }) {
  const changed = ops.some((o) => o.op !== 'same');
  return (
    <div role="group" aria-label={label} className="overflow-x-auto rounded-md border border-border font-mono text-xs leading-relaxed">
      {!changed ? <p className="border-b border-border px-3 py-1.5 font-sans text-muted-fg">No changes in the messages.</p> : null}
      {ops.map((o, i) => {
        const text = o.text === '' ? '\u00a0' : o.text;
        if (o.op === 'add')
          return (
            <ins key={i} className="block bg-success/12 px-3 whitespace-pre-wrap no-underline">
              <span aria-hidden className="mr-2 inline-block w-3 text-success select-none">+</span>
              {text}
            </ins>
          );
        if (o.op === 'remove')
          return (
            <del key={i} className="block bg-danger/12 px-3 whitespace-pre-wrap no-underline">
              <span aria-hidden className="mr-2 inline-block w-3 text-danger select-none">-</span>
              {text}
            </del>
          );
        return (
          <div key={i} className="px-3 whitespace-pre-wrap text-muted-fg">
            <span aria-hidden className="mr-2 inline-block w-3 select-none"> </span>
            {text}
          </div>
        );
      })}
    </div>
  );
}

export function FieldChanges({ changes, label, empty = 'No changes.', fromLabel = 'Before', toLabel = 'After' }: { changes: FieldChange[]; label: string; empty?: string; fromLabel?: string; toLabel?: string }) {
  if (!changes.length) return <p className="text-sm text-muted-fg">{empty}</p>;
  return (
    <div className="rounded-md border border-border">
      <Table aria-label={label}>
        <THead>
          <tr>
            <TH>Field</TH>
            <TH>{fromLabel}</TH>
            <TH>{toLabel}</TH>
          </tr>
        </THead>
        <TBody>
          {changes.map((c) => (
            <TR key={c.path}>
              <TD className="font-mono text-xs">{c.path}</TD>
              <TD className={cn('font-mono text-xs break-all', c.before === null ? 'text-muted-fg' : 'text-danger')}>{inline(c.before)}</TD>
              <TD className={cn('font-mono text-xs break-all', c.after === null ? 'text-muted-fg' : 'text-success')}>{inline(c.after)}</TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
