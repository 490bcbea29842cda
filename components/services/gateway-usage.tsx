'use client';
// How an application calls a service through the gateway: the base URL of each environment and a short
// `openai` client example for the chosen one. The key is read from the application's environment, never shown.
import { useState } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { CopyButton } from '@/components/ui/copy-button';
import { inPipelineOrder } from './environment-text';
import { gatewayBaseUrl, useOrigin } from './gateway-text';

export function GatewayUsageCard({ service, environments }: { service: string; environments: { name: string }[] }) {
  const origin = useOrigin();
  const names = inPipelineOrder(environments).map((e) => e.name);
  const [chosen, setChosen] = useState<string | null>(null);
  const environment = chosen && names.includes(chosen) ? chosen : names.includes('production') ? 'production' : names[0];
  const snippet = environment ? example(service, gatewayBaseUrl(origin, service, environment)) : '';

  return (
    <Card role="region" aria-label="Call the gateway">
      <CardHeader title="Call the gateway" description="Any OpenAI client works: point its base URL at an environment and use a gateway key. The environment’s routing table picks the release; the model field is ignored." />
      <div className="grid gap-5 px-5 py-4">
        <ul aria-label="Gateway base URLs" className="grid gap-2">
          {names.map((name) => {
            const url = gatewayBaseUrl(origin, service, name);
            return (
              <li key={name} className="grid grid-cols-[6.5rem_1fr_auto] items-center gap-3 text-sm">
                <span className="truncate font-medium" title={name}>
                  {name}
                </span>
                <code className="min-w-0 truncate rounded bg-muted px-2 py-1 font-mono text-xs" title={url}>
                  {url}
                </code>
                <CopyButton text={url} label={`Copy ${name} base URL`} size="sm" />
              </li>
            );
          })}
        </ul>
        {environment ? (
          <div className="grid gap-2">
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-sm font-medium">Example for</span>
              <div role="group" aria-label="Example environment" className="mr-auto inline-flex rounded-md border border-border p-0.5">
                {names.map((name) => (
                  <button
                    key={name}
                    type="button"
                    aria-pressed={name === environment}
                    onClick={() => setChosen(name)}
                    className={cn('rounded px-2.5 py-1 text-xs font-medium text-muted-fg hover:text-fg focus-visible:outline-2 focus-visible:outline-ring', name === environment && 'bg-muted text-fg')}
                  >
                    {name}
                  </button>
                ))}
              </div>
              <CopyButton text={snippet} label="Copy example" size="sm" />
            </div>
            <pre aria-label="Example with the openai client" className="overflow-x-auto rounded-md border border-border bg-muted/60 p-3 font-mono text-xs leading-relaxed">
              {snippet}
            </pre>
            <p className="text-xs text-muted-fg">
              Responses carry <code className="font-mono">x-slipway-release</code> and <code className="font-mono">x-slipway-request-id</code>; send ratings to <code className="font-mono">…/v1/feedback</code> with{' '}
              <code className="font-mono">{'{ request_id, score }'}</code> (score −1 to 1).
            </p>
          </div>
        ) : null}
      </div>
    </Card>
  );
}

function example(service: string, baseURL: string): string {
  return `import OpenAI from 'openai';

const client = new OpenAI({
  apiKey: process.env.SLIPWAY_GATEWAY_KEY, // a gateway key of ${service} (sgw_…)
  baseURL: '${baseURL}',
});

const reply = await client.chat.completions.create({
  model: '${service}', // ignored: the routing table picks the release
  messages: [{ role: 'user', content: 'Where is my invoice?' }],
  user: 'customer-42', // keeps this user on one release
});`;
}
