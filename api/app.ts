import cors from '@koa/cors';
import type { Router } from '@koa/router';
import Koa from 'koa';
import compress from 'koa-compress';
import helmet from 'koa-helmet';
import type { AppDeps } from './deps.js';
import { AppError } from './errors.js';
import { authenticate } from './middleware/auth.js';
import { jsonBody } from './middleware/body.js';
import { jsonResponse } from './middleware/json-response.js';
import { clientIp } from './middleware/client-ip.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { createApiMetrics } from './metrics/api-metrics.js';
import { observeRequests, routeTemplates } from './metrics/http-metrics.js';
import { metricsRouter } from './metrics/router.js';
import { rateLimit, rateLimitSettings, type RateLimitOverrides } from './middleware/rate-limit.js';
import { REQUEST_ID_HEADER, requestId } from './middleware/request-id.js';
import { requestLogger } from './middleware/request-logger.js';
import { createRouter } from './routes/index.js';

export interface AppOptions {
  /** Override limits (tests use small ones and namespaces of their own); each defaults to RATE_LIMITS. */
  readonly rateLimits?: RateLimitOverrides;
  /** Routers mounted after the route folders: tests use them for routes that only a test needs. */
  readonly extraRouters?: readonly Router[];
}

/** Headers a browser script may read on a cross-origin response. */
const EXPOSED_HEADERS = [
  REQUEST_ID_HEADER,
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
];

function corsFor(allowed: readonly string[]): Koa.Middleware {
  const origins = new Set(allowed);
  return cors({
    // An origin outside the list gets no CORS headers at all, so the browser blocks the response.
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return origins.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', REQUEST_ID_HEADER],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

/** Assembles the pipeline of the architecture document (§1, §4); `server.ts` does the listening. */
export function createApp(deps: AppDeps, options: AppOptions = {}): Koa {
  const { config, logger } = deps;
  const app = new Koa();
  const metrics = createApiMetrics(deps);
  const router = createRouter(deps, options.extraRouters);
  // Beside the API's routes rather than among them: Prometheus text for scrapers, not part of the OpenAPI document.
  const scrape = metricsRouter(metrics, config.metricsToken);

  app.use(requestId());
  app.use(observeRequests(metrics, routeTemplates(router)));
  app.use(clientIp(config.trustedProxies));
  app.use(errorHandler(logger));
  app.use(corsFor(config.corsOrigins));
  app.use(helmet());
  app.use(requestLogger(logger));
  app.use(compress());
  app.use(jsonResponse());
  app.use(jsonBody(config.bodyLimit));
  app.use(authenticate(deps));
  app.use(
    rateLimit(deps, rateLimitSettings(options.rateLimits), (limiter) => metrics.rateLimitRejections.inc({ limiter })),
  );
  app.use(scrape.routes());
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new AppError('method_not_allowed', 405, 'Method not allowed'),
      // An HTTP method no route here knows (PROPFIND, …), as RFC 9110 asks: 501.
      notImplemented: () => new AppError('method_unsupported', 501, 'This server does not support the request method'),
    }),
  );
  app.use(notFound());

  // Errors Koa meets itself (e.g. a response stream that fails after the headers went out).
  app.on('error', (error: unknown) => logger.error({ err: error }, 'unhandled error after response started'));
  return app;
}
