// For tests about something other than gates: environments that require none, so promotion needs no eval run.
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';

type Api = { environments: { update: (input: { service: string; environment: string; protection: typeof DEFAULT_ENVIRONMENTS.dev.protection }) => Promise<unknown> } };

/** Keeps each environment's default protection, without required gates. */
export async function withoutGates(api: Api, service: string, envs: ('staging' | 'production')[] = ['staging', 'production']): Promise<void> {
  for (const environment of envs) await api.environments.update({ service, environment, protection: { ...DEFAULT_ENVIRONMENTS[environment].protection, requiredGates: [] } });
}
