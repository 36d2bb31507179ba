import type { Context, Next } from 'koa';
import type { VendorFactory } from '../../sandbox/core/sandbox.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { DEFAULT_OPTIONS } from '../../sandbox/vendors/jobber/options.js';

/** What the Jobber simulator answered on `/api/graphql`, counted at its door (the sandbox keeps no counters). */
export interface JobberTraffic {
  served: number;
  /** GraphQL THROTTLED replies: the cost bucket was short of the requested points. */
  throttled: number;
  /** HTTP 429 from the request-count guard (Rack::Attack): the lockout a well-behaved client never triggers. */
  tooManyRequests: number;
  /** `requestedQueryCost` of the last served page (Jobber charges the requested page size before running). */
  requestedCost: number;
  /** `actualQueryCost` of each served reply, in order. */
  actualCosts: number[];
  reset(): void;
}

export function jobberTraffic(): JobberTraffic {
  const traffic: JobberTraffic = {
    served: 0,
    throttled: 0,
    tooManyRequests: 0,
    requestedCost: 0,
    actualCosts: [],
    reset() {
      Object.assign(traffic, { served: 0, throttled: 0, tooManyRequests: 0, requestedCost: 0, actualCosts: [] });
    },
  };
  return traffic;
}

/** The number after `"name":` in a JSON text, read from the end, where `extensions.cost` sits; cheap on 30 kB pages. */
function lastNumber(body: string, name: string): number | undefined {
  const at = body.lastIndexOf(`"${name}":`);
  return at < 0 ? undefined : Number.parseInt(body.slice(at + name.length + 3), 10);
}

/** The Jobber simulator with Jobber's defaults, its GraphQL replies counted into `traffic`. */
export function countedJobberSimulator(traffic: JobberTraffic): VendorFactory {
  return (sandbox) => {
    const simulator = createJobberSimulator(sandbox);
    // Koa composes its middleware when the sandbox creates the server, after this factory: this one runs first.
    simulator.app.middleware.unshift(async (ctx: Context, next: Next) => {
      await next();
      if (ctx.path !== '/api/graphql') return;
      if (ctx.status === 429) {
        traffic.tooManyRequests += 1;
        return;
      }
      const body = typeof ctx.body === 'string' ? ctx.body : '';
      if (body.includes('"THROTTLED"')) {
        traffic.throttled += 1;
        return;
      }
      traffic.served += 1;
      traffic.requestedCost = lastNumber(body, 'requestedQueryCost') ?? traffic.requestedCost;
      traffic.actualCosts.push(lastNumber(body, 'actualQueryCost') ?? 0);
    });
    return simulator;
  };
}

/**
 * The shortest time Jobber's limits allow for the served pages: the bucket starts full (`maximumAvailable`) and
 * refills at `restoreRate` points/s; a page starts only when the bucket holds its requested cost, so the last page
 * may start once everything before it has been paid for. The request-count guard (2,500 per 300 s) is checked too.
 */
export function minimumSecondsUnderLimits(traffic: JobberTraffic): number {
  const { maximumAvailable, restoreRate } = DEFAULT_OPTIONS.costBucket;
  const { limit, windowMs } = DEFAULT_OPTIONS.ddosGuard;
  const beforeLast = traffic.actualCosts.slice(0, -1).reduce((sum, cost) => sum + cost, 0);
  const byCost = Math.max(0, (beforeLast + traffic.requestedCost - maximumAvailable) / restoreRate);
  const byRequests = Math.floor((traffic.actualCosts.length - 1) / limit) * (windowMs / 1000);
  return Math.max(byCost, byRequests);
}

export const jobberLimits = { ...DEFAULT_OPTIONS.costBucket, ...DEFAULT_OPTIONS.ddosGuard };
