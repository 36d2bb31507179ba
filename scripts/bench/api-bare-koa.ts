import Koa from 'koa';
import helmet from 'koa-helmet';
import koaJwt from 'koa-jwt';
import { accessTokenKey, accessTokenVerifyOptions } from '../../api/auth/tokens.js';
import { loadConfig } from '../../config/env.js';
import { REFERENCE_API_ENV, REFERENCE_KIND_ENV, type ReferenceKind } from './api-references.js';

/*
 * The API benchmark's references, each in a process of its own like the real API, so "at least 40% of a bare
 * endpoint's requests/s" compares them on the same machine in the same run. Each answers a constant:
 * - bare: behind nothing;
 * - jwt: behind koa-jwt, verifying the API's own access token with the API's key and options (api/middleware/auth.ts);
 * - card: behind koa-helmet and that koa-jwt, the two middlewares the design card prescribes for every authenticated
 *   request. No authenticated endpoint built on the card's packages can be faster than this one.
 * Driven over IPC: it sends `{ ready, port }` once listening, and exits on `stop` or when the parent goes away.
 */
const kind = (process.env[REFERENCE_KIND_ENV] ?? 'bare') as ReferenceKind;
const app = new Koa();
if (kind === 'card') app.use(helmet());
if (kind === 'jwt' || kind === 'card') {
  const config = loadConfig(JSON.parse(process.env[REFERENCE_API_ENV] ?? '{}') as Record<string, string>);
  app.use(
    koaJwt({
      // As api/middleware/auth.ts: koa-jwt's secret type predates jsonwebtoken's KeyObject support.
      secret: accessTokenKey(config) as unknown as Buffer,
      ...accessTokenVerifyOptions(config),
      key: 'user',
    }),
  );
}
app.use((ctx) => {
  ctx.body = { ok: true };
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
});
const stop = () => server.close(() => process.exit(0));
process.on('message', (message) => {
  if (message === 'stop') stop();
});
process.on('disconnect', stop);
