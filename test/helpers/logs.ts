// Captures what the app's logger writes (every level) while a piece of a test runs, by pointing the logger's
// output at memory; the formatting, redaction and serialisation are the logger's own.
import pino from 'pino';
import { logger } from '@/server/logger';

export async function captureLogs(fn: () => Promise<unknown>): Promise<{ text: string; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const target = logger as unknown as Record<symbol, unknown>;
  const stream = target[pino.symbols.streamSym];
  const level = logger.level;
  target[pino.symbols.streamSym] = { write: (s: string) => chunks.push(s) };
  logger.level = 'trace';
  try {
    await fn().catch(() => undefined);
  } finally {
    logger.level = level;
    target[pino.symbols.streamSym] = stream;
  }
  const text = chunks.join('');
  return { text, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}
