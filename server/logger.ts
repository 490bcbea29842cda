// Structured logs for every part of the server; secrets are redacted by path before anything is written.
import pino from 'pino';

const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

export const logger = pino({
  level,
  base: { service: 'slipway' },
  redact: {
    paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'secret', '*.secret'],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;
