import { ConfigError, loadConfig, type Config } from '../config/env.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

/** A bad environment is reported by variable name and stops the process before anything starts. */
function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = configOrExit();
const logger = createLogger(config.logLevel);

try {
  const server = await startServer(config, logger);
  logger.info(`API listening on ${config.tls ? 'https' : 'http'}://${config.host}:${server.port}`);

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    // A second signal while closing means "now".
    process.once(signal, () => process.exit(1));
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  logger.fatal({ err: error }, 'API failed to start');
  process.exitCode = 1;
}
