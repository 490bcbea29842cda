// Beside the definition editor: the fields of a definition and the step types it may use, read on the server
// from the same table the validator uses, with the planned types marked as not available yet.
import { AVAILABLE_STEP_TYPES, PLANNED_STEP_TYPES } from '@/server/services/pipelines/step-types';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';

/** Each input of a step type, optional when the type accepts the step without it. */
function inputsOf(type: keyof typeof AVAILABLE_STEP_TYPES): { name: string; optional: boolean }[] {
  return Object.entries(AVAILABLE_STEP_TYPES[type].inputs.shape).map(([name, schema]) => ({ name, optional: schema.safeParse(undefined).success }));
}

const FIELDS: [string, string][] = [
  ['branches[]', 'pattern (a branch or glob: * within a segment, ** across), mode evaluate|deploy, environment for deploy; the first match decides'],
  ['stages[]', 'name and steps, run in order'],
  ['steps[]', 'name (unique), type, inputs, thresholds, timeout (seconds, default 600), continue-on-failure'],
];

export function StepCatalog() {
  const available = (Object.keys(AVAILABLE_STEP_TYPES) as (keyof typeof AVAILABLE_STEP_TYPES)[]).map((type) => ({ type, summary: AVAILABLE_STEP_TYPES[type].summary, inputs: inputsOf(type) }));
  const planned = Object.entries(PLANNED_STEP_TYPES);
  return (
    <Card role="region" aria-label="Step types" className="content-start self-start">
      <CardHeader title="Step types" description="What a step's type may be. Each run also starts with a candidate step that finds or builds the release under test." />
      <ul className="grid gap-3 px-5 py-4" aria-label="Available step types">
        {available.map((t) => (
          <li key={t.type} className="grid gap-1">
            <div className="flex items-center gap-2">
              <code className="font-mono text-sm font-medium">{t.type}</code>
              <Badge tone="success">available</Badge>
            </div>
            <p className="text-xs text-muted-fg">{t.summary}</p>
            {t.inputs.length ? (
              <p className="text-xs">
                inputs:{' '}
                {t.inputs.map((i, n) => (
                  <span key={i.name}>
                    {n ? ', ' : ''}
                    <code className="font-mono">{i.name}</code>
                    {i.optional ? <span className="text-muted-fg"> (optional)</span> : null}
                  </span>
                ))}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
      <div className="border-t border-border px-5 py-4">
        <h3 className="mb-2 text-sm font-semibold">Planned</h3>
        <ul className="grid gap-2" aria-label="Planned step types">
          {planned.map(([type, comesWith]) => (
            <li key={type} className="grid gap-0.5">
              <div className="flex items-center gap-2">
                <code className="font-mono text-sm text-muted-fg">{type}</code>
                <Badge tone="neutral">not available yet</Badge>
              </div>
              <p className="text-xs text-muted-fg">comes with {comesWith}</p>
            </li>
          ))}
        </ul>
      </div>
      <div className="border-t border-border px-5 py-4">
        <h3 className="mb-2 text-sm font-semibold">Fields</h3>
        <dl className="grid gap-2 text-xs">
          {FIELDS.map(([name, text]) => (
            <div key={name}>
              <dt className="font-mono font-medium">{name}</dt>
              <dd className="text-muted-fg">{text}</dd>
            </div>
          ))}
        </dl>
      </div>
    </Card>
  );
}
