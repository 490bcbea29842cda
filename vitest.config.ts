import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@': path.resolve(import.meta.dirname) };

export default defineConfig({
  resolve: { alias },
  test: {
    // Tests run their upstream stand-ins (model endpoints, webhook receivers) on loopback, which the outbound
    // policy refuses by default: allowed here explicitly, as an admin would.
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', SLIPWAY_OUTBOUND_ALLOW: '127.0.0.0/8,::1' },
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', setupFiles: ['test/setup-secrets.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One server and one browser at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
