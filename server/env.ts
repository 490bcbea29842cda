// The one place that reads process.env: every setting validated at start, typed for the rest of the app.
import path from 'node:path';
import { z } from 'zod';
import { parseOutboundRules } from './lib/outbound-rules';

const ROLES = ['viewer', 'engineer', 'approver', 'admin'] as const;

// Settings whose values must never be echoed back in an error message.
const SECRET_KEYS = new Set([
  'AUTH_SECRET',
  'NEXTAUTH_SECRET',
  'SLIPWAY_ADMIN_PASSWORD',
  'SLIPWAY_BOOTSTRAP_TOKEN',
  'SLIPWAY_SECRET_KEY',
  'GITHUB_CLIENT_SECRET',
  'OIDC_CLIENT_SECRET',
  'DATABASE_URL',
  'INNGEST_EVENT_KEY',
  'INNGEST_SIGNING_KEY',
  'INNGEST_SIGNING_KEY_FALLBACK',
  'SLIPWAY_METRICS_TOKEN',
]);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const signingKey = optionalString.pipe(
  z
    .string()
    .regex(/^signkey-[A-Za-z0-9_]+-(?:[0-9a-fA-F]{2}){16,}$/, 'must be signkey-<env>-<hex> as Inngest shows it (at least 32 hex characters)')
    .optional(),
);

/** INNGEST_DEV as the SDK reads it: 1/true/0/false, or the dev server's URL. */
export function inngestDevMode(value: string | undefined): boolean {
  if (!value) return false;
  return !/^(0|false|no|off)$/i.test(value);
}

/** SLIPWAY_OUTBOUND_ALLOW / _DENY: the entries of server/lib/outbound-rules.ts. */
const outboundRules = optionalString.transform((v, ctx) => {
  try {
    return parseOutboundRules(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** An optional whole number within bounds (unset or empty: undefined). */
const optionalInt = (message: string, min: number, max: number) =>
  optionalString.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return n;
  });

/** A retention in whole days, 1 to 3650. */
const days = (what: string, fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, `must be at least 1 (days ${what})`)
    .max(3650, 'must be at most 3650')
    .default(fallback);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    PORT: z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535').default(3000),
    HOST: optionalString.pipe(z.string().optional()).transform((v) => v ?? '0.0.0.0'),
    SLIPWAY_PUBLIC_URL: optionalString.pipe(z.url('must be an absolute http(s) URL').optional()),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// connection URL')
        .optional(),
    ),
    DATABASE_POOL_SIZE: z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be at least 1').max(200, 'must be at most 200').default(10),
    SLIPWAY_DATA_DIR: optionalString.transform((v) => path.resolve(/*turbopackIgnore: true*/ v ?? '.slipway')),
    AUTH_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    SLIPWAY_ADMIN_EMAIL: optionalString.pipe(z.email('must be an email address').optional()),
    SLIPWAY_ADMIN_PASSWORD: optionalString.pipe(z.string().min(12, 'must be at least 12 characters').optional()),
    SLIPWAY_BOOTSTRAP_TOKEN: optionalString.pipe(
      z
        .string()
        .regex(/^slw_[A-Za-z0-9_-]{32,}$/, 'must start with slw_ followed by at least 32 letters, digits, _ or -')
        .optional(),
    ),
    SLIPWAY_SECRET_KEY: optionalString.pipe(
      z
        .string()
        .regex(/^(?:[a-f0-9]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)')
        .optional(),
    ),
    GITHUB_CLIENT_ID: optionalString,
    GITHUB_CLIENT_SECRET: optionalString,
    OIDC_ISSUER: optionalString.pipe(z.url('must be the issuer URL').optional()),
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_NAME: optionalString.transform((v) => v ?? 'Single sign-on'),
    SLIPWAY_OAUTH_DEFAULT_ROLE: optionalString.pipe(z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }).optional()),
    SLIPWAY_DEMO: z.enum(['auto', 'on', 'off'], { message: 'must be auto (seed on the first embedded start), on or off' }).default('auto'),
    SLIPWAY_MODEL_SERVER: z.enum(['auto', 'on', 'off'], { message: 'must be auto (run it with the embedded database), on or off' }).default('auto'),
    SLIPWAY_MODEL_SERVER_PORT: z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535').default(4010),
    SLIPWAY_MODEL_SERVER_CONFIG: optionalString,
    /** Processes that serve /gw/*: unset means one per core less one (npm start) or one per core (npm run gateway), at least one; 0 serves the gateway in the app's own process. */
    SLIPWAY_GATEWAY_WORKERS: optionalInt('must be a whole number from 0 (the gateway in the app’s own process) to 256', 0, 256),
    /**
     * How much the app's process lowers its own CPU priority (a nice increment) once its gateway workers run, so
     * that its background work (rollups, drift, the embedded database's writes, the console) yields to serving.
     */
    SLIPWAY_APP_NICE: optionalInt('must be a whole number from 0 (no change) to 19', 0, 19),
    /** `npm run gateway`'s port (else PORT). */
    GATEWAY_PORT: optionalInt('must be between 1 and 65535', 1, 65535),
    /** The Docker engine container builds and the Docker deploy target use: unix:///path or tcp://host:port (else the local socket). */
    DOCKER_HOST: optionalString.pipe(
      z
        .string()
        .regex(/^(?:unix:\/\/\/\S+|tcp:\/\/[^\s/]+(?::\d+)?\/?|https?:\/\/[^\s/]+(?::\d+)?\/?)$/, 'must be unix:///path/to/docker.sock or tcp://host:port')
        .optional(),
    ),
    /** Host ports the Docker deploy target gives its containers (host networking: one port per replica), `from-to`. */
    SLIPWAY_CONTAINER_PORTS: z
      .string()
      .trim()
      .default('20000-20999')
      .transform((v, ctx) => {
        const m = /^(\d{1,5})-(\d{1,5})$/.exec(v);
        const from = m ? Number(m[1]) : NaN;
        const to = m ? Number(m[2]) : NaN;
        if (!m || from < 1024 || to > 65535 || from > to) {
          ctx.addIssue({ code: 'custom', message: 'must be a port range such as 20000-20999 (ports 1024 to 65535, first not above last)' });
          return z.NEVER;
        }
        return { from, to };
      }),
    INNGEST_DEV: optionalString.pipe(
      z
        .string()
        .regex(/^(?:1|0|true|false|https?:\/\/\S+)$/i, 'must be 1, 0, true, false or the URL of an Inngest dev server')
        .optional(),
    ),
    INNGEST_BASE_URL: optionalString.pipe(z.url('must be the absolute URL of an Inngest server').optional()),
    INNGEST_EVENT_KEY: optionalString,
    INNGEST_SIGNING_KEY: signingKey,
    INNGEST_SIGNING_KEY_FALLBACK: signingKey,
    SLIPWAY_OUTBOUND_ALLOW: outboundRules,
    SLIPWAY_OUTBOUND_DENY: outboundRules,
    SLIPWAY_TEST_FUNCTIONS: z.enum(['on', 'off'], { message: 'must be on or off' }).default('off'),
    SLIPWAY_TRUST_PROXY: z.coerce
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(0, 'must be between 0 and 10 (the number of reverse proxies in front of Slipway)')
      .max(10, 'must be between 0 and 10 (the number of reverse proxies in front of Slipway)')
      .default(0),
    SLIPWAY_REQUEST_LOG_RETENTION_DAYS: days('raw request logs are kept', 30),
    SLIPWAY_MINUTE_ROLLUP_RETENTION_DAYS: days('minute rollups are kept', 14),
    SLIPWAY_HOUR_ROLLUP_RETENTION_DAYS: days('hour rollups are kept', 400),
    SLIPWAY_METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
  })
  .superRefine((v, ctx) => {
    if (Boolean(v.GITHUB_CLIENT_ID) !== Boolean(v.GITHUB_CLIENT_SECRET)) {
      ctx.addIssue({ code: 'custom', path: [v.GITHUB_CLIENT_ID ? 'GITHUB_CLIENT_SECRET' : 'GITHUB_CLIENT_ID'], message: 'GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together' });
    }
    const oidc = [v.OIDC_ISSUER, v.OIDC_CLIENT_ID, v.OIDC_CLIENT_SECRET].filter(Boolean).length;
    if (oidc !== 0 && oidc !== 3) {
      const missing = (['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const).find((k) => !v[k]);
      ctx.addIssue({ code: 'custom', path: [missing ?? 'OIDC_ISSUER'], message: 'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together' });
    }
    // Inngest Cloud and self-hosted Inngest sign every call and take events only with a key; a dev server needs neither.
    if (jobsEngineOf(v) === 'inngest' && !inngestDevMode(v.INNGEST_DEV)) {
      for (const key of ['INNGEST_SIGNING_KEY', 'INNGEST_EVENT_KEY'] as const) {
        if (!v[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required to use Inngest Cloud or a self-hosted Inngest (or set INNGEST_DEV=1 for an Inngest dev server)' });
      }
    }
  });

/**
 * Which engine runs the Inngest functions: Inngest (Cloud, self-hosted or a dev server) when any of its settings
 * is present, otherwise the app's own embedded executor. INNGEST_SIGNING_KEY alone keeps the embedded executor.
 */
export function jobsEngineOf(e: { INNGEST_DEV?: string; INNGEST_BASE_URL?: string; INNGEST_EVENT_KEY?: string }): 'embedded' | 'inngest' {
  return e.INNGEST_DEV || e.INNGEST_BASE_URL || e.INNGEST_EVENT_KEY ? 'inngest' : 'embedded';
}

export type Env = z.output<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // NEXTAUTH_SECRET is next-auth's own name for the same setting; accept either.
  const input = { ...source, AUTH_SECRET: source.AUTH_SECRET || source.NEXTAUTH_SECRET };
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? 'environment');
    const raw = input[key as keyof typeof input];
    const shown = raw === undefined || SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(raw)})`;
    return `${key}: ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}

let cached: Env | undefined;

/** The validated settings of this process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function publicUrl(e: Env = env()): string {
  return (e.SLIPWAY_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
}
