// `npm run seed`: adds the demo to the configured database unless a support-bot service already exists.
import { eq } from 'drizzle-orm';
import { services } from '@/db/schema';
import { logger } from './logger';
import { closeRuntime, getRuntime } from './runtime';
import { seedDemo } from './seed';

const rt = await getRuntime();
const [existing] = await rt.database.db.select().from(services).where(eq(services.name, 'support-bot'));
if (existing) {
  logger.info('the demo service support-bot already exists; nothing to do');
} else {
  await seedDemo(rt.database.db, { modelServerPort: rt.env.SLIPWAY_MODEL_SERVER_PORT });
  logger.info('seeded the demo: support-bot with 2 model versions, 3 prompt versions and 2 releases');
}
await closeRuntime();
