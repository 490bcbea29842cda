// The Inngest client, app id `slipway`. In Inngest mode (INNGEST_DEV, INNGEST_BASE_URL or INNGEST_EVENT_KEY set)
// the SDK reads its INNGEST_* settings as it normally does; in embedded mode it signs with the embedded signing
// key and sends events and syncs to the app's own executor.
import { Inngest } from 'inngest';
import { env } from '@/server/env';
import { embeddedSettings, jobsEngine, type EmbeddedSettings } from '@/server/executor/settings';
import { logger } from '@/server/logger';

export const APP_ID = 'slipway';

let settings: EmbeddedSettings | undefined;
const embedded = (): EmbeddedSettings | undefined => {
  if (jobsEngine(env()) !== 'embedded') return undefined;
  settings ??= embeddedSettings(env());
  return settings;
};

// The SDK reads these options on every use, so they are resolved then and not at import: `next build` imports
// this module, and must neither need valid settings nor create a signing key in some data folder.
export const inngest = new Inngest({
  id: APP_ID,
  logger: logger.child({ part: 'inngest' }),
  get isDev() {
    // The SDK verifies call signatures only outside its dev mode; the embedded executor signs every call.
    return embedded() ? false : undefined;
  },
  get baseUrl() {
    return embedded()?.apiBaseUrl;
  },
  get signingKey() {
    return embedded()?.signingKey;
  },
  get signingKeyFallback() {
    return embedded()?.signingKeyFallback;
  },
  get eventKey() {
    return embedded()?.eventKey;
  },
});
