import Koa from 'koa';
import type { AuthFault, Sandbox, VendorFactory, VendorSimulator, WorldChange } from '../../core/sandbox.js';
import { faultRenderer, renderFaults } from './errors.js';
import { QboGrants } from './grants.js';
import { OAUTH_PATHS, oauthRouter } from './oauth.js';
import { QUICKBOOKS_DEFAULTS, type QuickbooksOptions } from './options.js';
import { RealmRateLimiter } from './rate-limit.js';
import { companyRouter } from './routes.js';
import { QboState } from './state.js';
import { notifyChange } from './webhooks.js';

export { QUICKBOOKS_DEFAULTS, type QuickbooksOptions } from './options.js';
export { intuitSignature } from './webhooks.js';

/**
 * QuickBooks Online v3 simulator: OAuth 2.0 (Intuit's token and revoke endpoints), the accounting API under
 * `/v3/company/{realmId}/` (query, CDC, customer/invoice/payment/purchase CRUD with SyncTokens), per-realm
 * throttling and signed data-change webhooks. node-quickbooks talks to it through `QuickBooks.V3_ENDPOINT_BASE_URL`
 * (or an instance's `endpoint`) = `{baseUrl}/v3/company/` and `QuickBooks.TOKEN_URL` / `REVOKE_URL`.
 */
export function quickbooksSimulatorFactory(overrides: Partial<QuickbooksOptions> = {}): VendorFactory {
  const options: QuickbooksOptions = { ...QUICKBOOKS_DEFAULTS, ...overrides };
  return (sandbox: Sandbox): VendorSimulator => {
    const state = new QboState();
    const grants = new QboGrants(
      options.realmId,
      options.accessTokenTtlSeconds,
      options.rotateRefreshTokenOnEveryRefresh,
    );
    // A ready-made connection, as if the sandbox company had already gone through the consent screen.
    const published = grants.issue();
    const limiter = new RealmRateLimiter(
      {
        requestsPerWindow: options.requestsPerMinute,
        windowMs: options.rateWindowMs,
        concurrent: options.concurrentRequests,
      },
      () => sandbox.settings.rateLimits,
    );

    const app = new Koa();
    app.use(sandbox.faults.middleware('quickbooks', faultRenderer));
    app.use(renderFaults);
    const oauth = oauthRouter(() => grants, options);
    app.use(oauth.routes());
    const company = companyRouter({
      sandbox,
      state,
      options,
      grants: () => grants,
      limiter,
      onWrite: (table, result) => {
        if (options.webhooksForApiWrites) {
          void notifyChange(sandbox, state, options, { entity: table.worldEntity, ...result });
        }
      },
    });
    app.use(company.routes());
    app.use(company.allowedMethods());

    return {
      vendor: 'quickbooks',
      app,
      info() {
        const base = sandbox.baseUrl('quickbooks');
        return {
          realmId: options.realmId,
          clientId: options.clientId,
          clientSecret: options.clientSecret,
          webhookVerifierToken: options.webhookVerifierToken,
          accessToken: published.accessToken,
          refreshToken: published.refreshToken,
          accessTokenExpiresAt: new Date(published.expiresAt).toISOString(),
          v3EndpointBaseUrl: `${base}/v3/company/`,
          tokenUrl: `${base}${OAUTH_PATHS.token}`,
          revokeUrl: `${base}${OAUTH_PATHS.revoke}`,
          authorizeUrl: `${base}${OAUTH_PATHS.authorize}`,
          webhookFormat: options.webhookFormat,
        };
      },
      reset() {
        state.clear();
        limiter.clear();
      },
      authFault(kind: AuthFault) {
        if (kind === 'token_expiry_now') grants.tokens.expireAllAccessTokens();
        else grants.tokens.revokeAllRefreshTokens();
      },
      onChange(change: WorldChange) {
        return notifyChange(sandbox, state, options, change);
      },
    };
  };
}

/** The simulator with Intuit's production defaults. */
export const createQuickbooksSimulator: VendorFactory = quickbooksSimulatorFactory();
