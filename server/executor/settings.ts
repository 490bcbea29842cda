// The embedded executor's keys and addresses, shared by the Inngest client (in Next's bundle) and the executor
// (in the custom server) so both sides agree: the signing key (INNGEST_SIGNING_KEY, else generated once into the
// data folder), the event key derived from it, and the loopback URLs of the executor's API and the serve endpoint.
import { createHmac } from 'node:crypto';
import { env, jobsEngineOf, type Env } from '@/server/env';
import { generatedOnceSync } from '@/server/lib/generated-secret';
import { logger } from '@/server/logger';

/** Where the executor's own endpoints live on the app's server. */
export const EXECUTOR_PATH = '/api/executor/';
/** The serve endpoint (app/api/inngest/route.ts). */
export const SERVE_PATH = '/api/inngest';

export interface EmbeddedSettings {
  signingKey: string;
  signingKeyFallback?: string;
  /** The key in the event URL (`…/e/<key>`); without it the executor takes no events. */
  eventKey: string;
  /** The SDK's API base URL: events go to `<base>e/<key>`, syncs to `/fn/register` on its origin. */
  apiBaseUrl: string;
  /** The serve endpoint as the executor calls it. */
  serveUrl: string;
}

/** The app's own origin over loopback (or the one interface it listens on): calls between executor and SDK stay inside the machine. */
export function internalOrigin(e: Pick<Env, 'HOST' | 'PORT'>): string {
  const host = e.HOST === '0.0.0.0' ? '127.0.0.1' : e.HOST === '::' ? '[::1]' : e.HOST.includes(':') && !e.HOST.startsWith('[') ? `[${e.HOST}]` : e.HOST;
  return `http://${host}:${e.PORT}`;
}

const signingKeys = new Map<string, string>();

/** INNGEST_SIGNING_KEY, or a key generated once into the data folder (file `inngest-signing-key`). */
export function resolveSigningKey(e: Pick<Env, 'INNGEST_SIGNING_KEY' | 'SLIPWAY_DATA_DIR'>): string {
  if (e.INNGEST_SIGNING_KEY) return e.INNGEST_SIGNING_KEY;
  let key = signingKeys.get(e.SLIPWAY_DATA_DIR);
  if (!key) {
    key = generatedOnceSync(
      {
        dataDir: e.SLIPWAY_DATA_DIR,
        fileName: 'inngest-signing-key',
        setting: 'INNGEST_SIGNING_KEY',
        // The SDK hex-decodes the part after the prefix when it hashes the key, so it must be hex.
        format: (bytes) => `signkey-embedded-${bytes.toString('hex')}`,
        valid: (v) => /^signkey-\w+-[0-9a-f]{64}$/.test(v),
      },
      logger.child({ part: 'executor' }),
    );
    signingKeys.set(e.SLIPWAY_DATA_DIR, key);
  }
  return key;
}

/** The event key of the embedded executor: derived from the signing key, so it changes when the key does. */
export function eventKeyFor(signingKey: string): string {
  return createHmac('sha256', signingKey).update('slipway embedded executor event key').digest('hex');
}

export function embeddedSettings(e: Env = env()): EmbeddedSettings {
  const signingKey = resolveSigningKey(e);
  const origin = internalOrigin(e);
  return {
    signingKey,
    signingKeyFallback: e.INNGEST_SIGNING_KEY_FALLBACK,
    eventKey: eventKeyFor(signingKey),
    apiBaseUrl: `${origin}${EXECUTOR_PATH}`,
    serveUrl: `${origin}${SERVE_PATH}`,
  };
}

export function jobsEngine(e: Env = env()): 'embedded' | 'inngest' {
  return jobsEngineOf(e);
}
