import { benchApi } from './bench/api.js';
import { benchSandboxData } from './bench/sandbox-data.js';
import { benchSync } from './bench/sync.js';
import { benchWebhooks } from './bench/webhooks.js';

/** Every benchmark by name; each returns its figures, printed as the last line (one JSON object, contracts). */
const BENCHMARKS: Record<string, (args: readonly string[]) => Promise<Record<string, unknown>>> = {
  api: benchApi,
  'sandbox-data': benchSandboxData,
  sync: benchSync,
  webhooks: benchWebhooks,
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const run = name ? BENCHMARKS[name] : undefined;
  if (!run) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [args]`);
    process.exit(2);
  }
  const figures = await run(args);
  console.log(JSON.stringify({ benchmark: name, ...figures }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
