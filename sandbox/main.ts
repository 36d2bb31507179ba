import { ConfigError } from '../config/env.js';
import { loadSandboxConfig } from '../config/sandbox.js';
import { startSandbox } from './server.js';
import { ALL_SIMULATORS } from './vendors/index.js';

/** `npm run sandbox`: the control API and all seven vendor simulators, until Ctrl-C or SIGTERM. */
async function main(): Promise<void> {
  const config = loadSandboxConfig();
  const running = await startSandbox({ ...config, factories: ALL_SIMULATORS });
  const lines = [`control API    ${running.controlUrl}/_sandbox`];
  for (const [vendor] of running.simulators) lines.push(`${vendor.padEnd(14)} ${running.sandbox.baseUrl(vendor)}`);
  console.log(`vendor sandbox (seed ${config.seed}, scale ${String(config.scale)}):\n  ${lines.join('\n  ')}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
