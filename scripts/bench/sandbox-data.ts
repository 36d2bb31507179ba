import { SCALES } from '../../sandbox/core/world.js';
import { countsOf } from '../../sandbox/core/world.js';
import { generateWorld } from '../../sandbox/data/generate.js';

/**
 * `npm run bench -- sandbox-data [customers]`: time and peak memory to generate the sandbox dataset (default: the
 * large scale, 100k customers with about 500k jobs). Peak RSS is sampled every 10 ms while generating; the heap
 * figure is what the finished dataset keeps after a full GC.
 */
export async function benchSandboxData(args: readonly string[]): Promise<Record<string, number>> {
  const customers = args[0] ? Number(args[0]) : SCALES.large.customers;
  if (!Number.isInteger(customers) || customers < 1)
    throw new Error(`customers must be a positive integer: ${args[0]}`);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 10);
  // Let the sampler tick during generation: generate in a macrotask after it is armed.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = performance.now();
  const world = generateWorld(42, { customers, jobsPerCustomer: SCALES.large.jobsPerCustomer });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  gc?.();
  const retained = process.memoryUsage().heapUsed - baseline.heapUsed;
  const counts = countsOf(world);
  console.log(
    `generated ${counts.customers} customers, ${counts.jobs} jobs, ${counts.invoices} invoices in ${seconds.toFixed(2)} s`,
  );
  return {
    customers: counts.customers!,
    jobs: counts.jobs!,
    quotes: counts.quotes!,
    invoices: counts.invoices!,
    payments: counts.payments!,
    calendarEvents: counts.calendarEvents!,
    seconds: Number(seconds.toFixed(3)),
    peakRssMb: Math.round(peakRss / 1048576),
    retainedHeapMb: Math.round(retained / 1048576),
  };
}
