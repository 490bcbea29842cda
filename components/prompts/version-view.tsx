'use client';
// One prompt version in full: messages, variables, response schema, params and where it came from.
import { formatTime } from '@/components/format';
import { JsonBlock, PlainText } from '@/components/registry/json-block';
import type { RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { inline } from '@/components/registry/json';
import { MessageList } from './messages';

export type PromptVersionView = RouterOutputs['prompts']['get']['versions'][number];

export function VersionView({ service, v, labels }: { service: string; v: PromptVersionView; labels: string[] }) {
  return (
    <div className="grid min-w-0 gap-6 *:min-w-0" role="region" aria-label={`Version ${v.version}`}>
      <div>
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-lg font-semibold">v{v.version}</h2>
          {labels.map((l) => (
            <Badge key={l} tone="info">
              {l}
            </Badge>
          ))}
        </div>
        <dl className="mt-2 grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1.5 text-sm">
          <dt className="text-muted-fg">Commit message</dt>
          <dd>
            <PlainText text={v.commitMessage} empty="No message." />
          </dd>
          <dt className="text-muted-fg">Author</dt>
          <dd>{v.createdBy}</dd>
          <dt className="text-muted-fg">Pushed</dt>
          <dd>{formatTime(v.createdAt)}</dd>
          <dt className="text-muted-fg">Git commit</dt>
          <dd>{v.gitSha ? <code className="font-mono text-xs">{v.gitSha}</code> : '—'}</dd>
          <dt className="text-muted-fg">Content hash</dt>
          <dd>
            <code className="font-mono text-xs break-all text-muted-fg">{v.contentHash}</code>
          </dd>
        </dl>
      </div>
      <section>
        <h3 className="mb-2 text-sm font-semibold">Messages</h3>
        <MessageList service={service} messages={v.messages} label={`Messages of v${v.version}`} />
      </section>
      <section>
        <h3 className="mb-2 text-sm font-semibold">Variables</h3>
        {v.variables.length ? (
          <div className="rounded-md border border-border">
            <Table aria-label="Variables">
              <THead>
                <tr>
                  <TH>Name</TH>
                  <TH>Type</TH>
                  <TH>Required</TH>
                  <TH>Default</TH>
                  <TH>Description</TH>
                </tr>
              </THead>
              <TBody>
                {v.variables.map((x) => (
                  <TR key={x.name}>
                    <TD className="font-mono text-xs">{x.name}</TD>
                    <TD>{x.type}</TD>
                    <TD>{x.required ? 'yes' : 'no'}</TD>
                    <TD className="font-mono text-xs">{x.default === undefined ? '—' : inline(x.default)}</TD>
                    <TD className="text-muted-fg">{x.description || '—'}</TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          </div>
        ) : (
          <p className="text-sm text-muted-fg">No variables.</p>
        )}
      </section>
      <div className="grid gap-6 *:min-w-0 lg:grid-cols-2">
        <section>
          <h3 className="mb-2 text-sm font-semibold">Model parameters</h3>
          <JsonBlock value={v.params} label="Model parameters" />
        </section>
        <section>
          <h3 className="mb-2 text-sm font-semibold">Response schema</h3>
          {v.responseSchema ? <JsonBlock value={v.responseSchema} label="Response schema" /> : <p className="text-sm text-muted-fg">Free-form text: no schema.</p>}
        </section>
      </div>
    </div>
  );
}
