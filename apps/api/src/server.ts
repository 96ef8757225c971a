// Boots the API: configuration, logger, listen, and a graceful close on SIGTERM/SIGINT (in-flight requests
// finish, connections to PostgreSQL and Redis close). A second signal, or a close that takes over 10 s,
// exits at once with 128+signal.
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '@slmlab/core';
import { buildApp } from './app.ts';
import { loadApiConfig, type ApiConfig } from './config.ts';

const CLOSE_TIMEOUT_MS = 10_000;
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

function loadConfigOrExit(): ApiConfig {
  try {
    return loadApiConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`[slmlab api] ${err.message}`);
    process.exit(1);
  }
}

function closeOnSignals(app: FastifyInstance) {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const forced = 128 + (SIGNAL_NUMBERS[signal] ?? 15);
    if (closing) process.exit(forced);
    closing = true;
    app.log.info({ signal }, 'closing: finishing in-flight requests');
    setTimeout(() => {
      app.log.warn(`did not close within ${CLOSE_TIMEOUT_MS} ms; exiting`);
      process.exit(forced);
    }, CLOSE_TIMEOUT_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

const config = loadConfigOrExit();
const app = buildApp({ config, logger: { level: config.LOG_LEVEL, base: { service: 'api' } } });
closeOnSignals(app);
try {
  await app.listen({ host: config.HOST, port: config.PORT });
} catch (err) {
  app.log.fatal({ err }, 'could not start');
  process.exit(1);
}
