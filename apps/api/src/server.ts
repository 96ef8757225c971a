// Boots the API: configuration, logger, listen, and a graceful close on SIGTERM/SIGINT (in-flight requests
// finish, connections to PostgreSQL and Redis close). A second signal, or a close that takes over 10 s,
// exits at once with 128+signal.
import { ConfigError, onShutdownSignals } from '@slmlab/core';
import { buildApp } from './app.ts';
import { loadApiConfig, type ApiConfig } from './config.ts';

const CLOSE_TIMEOUT_MS = 10_000;

function loadConfigOrExit(): ApiConfig {
  try {
    return loadApiConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`[slmlab api] ${err.message}`);
    process.exit(1);
  }
}

const config = loadConfigOrExit();
const app = buildApp({ config, logger: { level: config.LOG_LEVEL, base: { service: 'api' } } });
onShutdownSignals({
  graceMs: CLOSE_TIMEOUT_MS,
  log: app.log,
  messages: { stopping: 'closing: finishing in-flight requests', overdue: `did not close within ${CLOSE_TIMEOUT_MS} ms; exiting` },
  close: () => app.close(),
});
try {
  await app.listen({ host: config.HOST, port: config.PORT });
} catch (err) {
  app.log.fatal({ err }, 'could not start');
  process.exit(1);
}
