import pino, { type Logger } from 'pino';

/** Structured logs with PHI-bearing fields removed wherever they appear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vigil' },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.payload', '*.contentString', '*.text', 'payload', 'contentString', 'text', '*.name', '*.telecom', '*.address'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
