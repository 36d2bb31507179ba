import { Router } from '@koa/router';
import Koa, { type Context } from 'koa';
import type { AuthFault, Sandbox, VendorFactory, VendorSimulator, WorldChange } from '../../core/sandbox.js';
import { JobberAuth, type JobberCredentials, type TokenReply } from './auth.js';
import { graphqlHandler, throttledBody } from './graphql.js';
import { encodeId } from './ids.js';
import { DEFAULT_API_VERSION, resolveOptions, type JobberOptions } from './options.js';
import type { GraphqlContext } from './queries.js';
import { CostBucket, RequestWindow } from './rate-limits.js';
import { sendWebhook, webhookFor, SIGNATURE_HEADER, type JobberWebhookTarget } from './webhooks.js';

export type { JobberOptions } from './options.js';

/** Sandbox credentials (not secrets anywhere else); published through `info()` and `GET /_sandbox`. */
export const JOBBER_CREDENTIALS: JobberCredentials = {
  clientId: 'sandbox-jobber-client-id',
  clientSecret: 'sandbox-jobber-client-secret',
  jwtSecret: 'sandbox-jobber-jwt-signing-key',
  accountId: encodeId('Account', 1),
  appId: '3f1c9a52-6b7e-4d0a-9c1e-5a7b2d4e8f10',
};

const ACCOUNT_NAME = 'Sandbox Home Services';
const APP = { id: encodeId('Application', 1), name: 'Business Dashboard (sandbox)', author: 'Sandbox' };

function renderers(bucket: () => CostBucket, options: JobberOptions) {
  return {
    serverError(ctx: Context) {
      ctx.status = 500;
      ctx.body = { errors: [{ message: 'Internal server error' }] };
    },
    throttled(ctx: Context) {
      ctx.status = options.throttledStatus;
      ctx.body = throttledBody(0, { ...bucket().full(), currentlyAvailable: 0 });
    },
  };
}

/** Builds the Jobber simulator; `overrides` change the defaults in `options.ts` (tests use small numbers). */
export function jobberSimulator(overrides: Partial<JobberOptions> = {}) {
  return (sandbox: Sandbox): VendorSimulator => {
    const options = resolveOptions(overrides);
    const credentials = JOBBER_CREDENTIALS;
    const auth = new JobberAuth(credentials, options);
    let bucket = new CostBucket(options.costBucket);
    let ddos = new RequestWindow(options.ddosGuard);
    let grant: TokenReply = auth.issue();
    const target: JobberWebhookTarget = {
      sandbox,
      options,
      clientSecret: credentials.clientSecret,
      appId: credentials.appId,
      accountId: credentials.accountId,
    };
    const notify = (change: WorldChange): Promise<void> => {
      const event = webhookFor(sandbox, change);
      return event ? sendWebhook(target, event.topic, event.itemId) : Promise.resolve();
    };

    const context = (): GraphqlContext => ({
      world: sandbox.world,
      maxPageSize: options.maxPageSize,
      options,
      now: Date.now(),
      account: { id: credentials.accountId, name: ACCOUNT_NAME },
      app: APP,
      disconnect() {
        auth.disconnect();
        void sendWebhook(target, 'APP_DISCONNECT', credentials.accountId);
      },
      changed(change) {
        // Jobber notifies asynchronously; the API reply does not wait for the app's webhook endpoint.
        void notify(change);
      },
    });

    const router = new Router();
    router.post(
      '/api/graphql',
      graphqlHandler({
        options,
        rateLimits: () => sandbox.settings.rateLimits,
        authenticate: (authorization) => auth.authenticate(authorization),
        bucket: () => bucket,
        ddosGuard: () => ddos,
        context,
      }),
    );

    const app = new Koa();
    app.use(
      sandbox.faults.middleware(
        'jobber',
        renderers(() => bucket, options),
      ),
    );
    app.use(auth.routes().routes());
    app.use(router.routes());
    app.use(router.allowedMethods());

    return {
      vendor: 'jobber',
      app,
      info() {
        const base = sandbox.baseUrl('jobber');
        return {
          clientId: credentials.clientId,
          clientSecret: credentials.clientSecret,
          webhookSigningSecret: credentials.clientSecret,
          webhookSignatureHeader: SIGNATURE_HEADER,
          jwtSigningSecret: credentials.jwtSecret,
          accountId: credentials.accountId,
          appId: credentials.appId,
          apiVersion: DEFAULT_API_VERSION,
          authorizeUrl: `${base}/api/oauth/authorize`,
          tokenUrl: `${base}/api/oauth/token`,
          graphqlUrl: `${base}/api/graphql`,
          accessToken: grant.access_token,
          refreshToken: grant.refresh_token,
          accessTokenTtlSeconds: options.accessTokenTtlSeconds,
          rotateRefreshTokens: options.rotateRefreshTokens,
        };
      },
      reset() {
        auth.reset();
        bucket = new CostBucket(options.costBucket);
        ddos = new RequestWindow(options.ddosGuard);
        grant = auth.issue();
      },
      authFault(kind: AuthFault) {
        if (kind === 'token_expiry_now') auth.expireAccessTokens();
        else auth.revokeRefreshTokens();
      },
      onChange: notify,
    };
  };
}

/** The Jobber simulator with Jobber's documented defaults. */
export const createJobberSimulator: VendorFactory = jobberSimulator();
