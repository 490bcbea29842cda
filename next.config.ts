import type { NextConfig } from 'next';

const config: NextConfig = {
  // Native and worker-heavy server packages stay as plain Node requires instead of being bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'pg', 'pino', 'inngest'],
  poweredByHeader: false,
  // `npm run typecheck` (tsc --noEmit) checks types; building does not do it a second time.
  typescript: { ignoreBuildErrors: true },
};

export default config;
