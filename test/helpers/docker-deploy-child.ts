// A Slipway process that starts a release's containers and is then killed: the crash test runs it as a child
// (`node --import tsx test/helpers/docker-deploy-child.ts`) on a database given by URL (PostgreSQL) or data folder
// (PGlite), kills it with SIGKILL while its replicas are still being health-checked, and reconciles in its stead.
import { openDatabase } from '@/db/client';
import { ensureReleaseContainers } from '@/server/services/containers/deploy';

if (process.argv[1]?.endsWith('docker-deploy-child.ts')) {
  const target = process.env.DEPLOY_CHILD_DB!;
  const database = target.startsWith('postgres') ? await openDatabase({ kind: 'postgres', url: target, poolSize: 2 }) : await openDatabase({ kind: 'embedded', dataDir: target });
  await ensureReleaseContainers(database.db, process.env.DEPLOY_CHILD_ENV!, process.env.DEPLOY_CHILD_RELEASE!);
  process.stdout.write('ensured\n');
  // Runs until it is killed.
  setInterval(() => undefined, 60_000);
}
