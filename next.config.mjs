// Plain JavaScript, not TypeScript: Next.js transpiles a next.config.ts with its native SWC compiler at every
// start, which loads that compiler (over 20 MB resident) into the production server's process for nothing else.

/** @type {import('next').NextConfig} */
const config = {
  // Native and worker-heavy server packages stay as plain Node requires instead of being bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'pino', 'inngest', 'dockerode', 'docker-modem', 'ssh2'],
  poweredByHeader: false,
  // `npm run typecheck` (tsc --noEmit) checks types; building does not do it a second time.
  typescript: { ignoreBuildErrors: true },
  // A page's server code is loaded when the page is first asked for, not every page's at start: an app that only
  // serves the gateway (or a console used for a few pages) keeps ~35 MB less JavaScript heap; the first request of a
  // page pays for its loading once.
  experimental: { preloadEntriesOnStart: false },
};

export default config;
