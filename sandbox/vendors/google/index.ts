import Koa from 'koa';
import type { Sandbox, VendorFactory, VendorSimulator, WorldChange } from '../../core/sandbox.js';
import { requireAccessToken } from './auth.js';
import { assignEventId } from './calendar/event-ids.js';
import { followJob } from './calendar/writes.js';
import { calendarRouter } from './calendar/routes.js';
import { current, type GoogleDeps } from './context.js';
import { driveRouter } from './drive/routes.js';
import { faultRenderers, googleErrors } from './errors.js';
import { recordWorldChange } from './gmail/history.js';
import { gmailRouter } from './gmail/routes.js';
import { GoogleGrants, SCOPES } from './grants.js';
import { oauthRouter } from './oauth.js';
import { resolveOptions, type GoogleSimulatorOptions } from './options.js';
import { UserRateLimiter } from './rate-limit.js';
import { GoogleStates } from './state.js';

export type { GoogleSimulatorOptions } from './options.js';

/**
 * Google (OAuth 2.0, Calendar v3, Gmail v1, Drive v3) served at the root of its own port: googleapis resolves
 * paths against `rootUrl` and drops any path in it [SDK: googleapis-common apirequest.js].
 */
export function googleSimulator(options: GoogleSimulatorOptions = {}): VendorFactory {
  return (sandbox: Sandbox): VendorSimulator => {
    const resolved = resolveOptions(options);
    const deps: GoogleDeps = { sandbox, options: resolved, states: new GoogleStates() };
    deps.states.of(sandbox.world);
    const grants = new GoogleGrants(resolved.accessTokenTtlSeconds);
    // A ready-made offline grant with every scope, published in info() for apps that skip the consent step.
    const published = grants.issue(resolved.clientId, Object.values(SCOPES), true);
    const limiter = new UserRateLimiter(resolved, sandbox.settings);

    const app = new Koa();
    app.use(sandbox.faults.middleware('google', faultRenderers(resolved)));
    app.use(googleErrors(resolved.errorStatusField));
    const oauth = oauthRouter(grants, resolved);
    app.use(oauth.routes());
    app.use(requireAccessToken(grants));
    app.use(limiter.middleware());
    for (const router of [calendarRouter(deps), gmailRouter(deps), driveRouter(deps)]) app.use(router.routes());

    return {
      vendor: 'google',
      app,
      info: () => ({
        clientId: resolved.clientId,
        clientSecret: resolved.clientSecret,
        userEmail: resolved.userEmail,
        calendarId: resolved.userEmail,
        scopes: Object.values(SCOPES),
        accessToken: published.accessToken,
        refreshToken: published.refreshToken,
        accessTokenExpiresAt: new Date(published.expiresAt).toISOString(),
        endpoints: {
          oauth2AuthBaseUrl: '/o/oauth2/v2/auth',
          oauth2TokenUrl: '/token',
          oauth2RevokeUrl: '/revoke',
          tokenInfoUrl: '/tokeninfo',
        },
        notes:
          'Serve googleapis with rootUrl = baseUrl + "/"; pass { rootUrl } per call for media uploads. ' +
          'Endpoints are relative to baseUrl.',
      }),
      reset() {
        deps.states.of(sandbox.world);
        limiter.clear();
      },
      authFault(kind) {
        if (kind === 'token_expiry_now') grants.tokens.expireAllAccessTokens();
        else grants.revokeAllRefreshTokens();
      },
      async onChange(change: WorldChange) {
        const { world, state } = current(deps);
        if (change.entity === 'email') recordWorldChange(state, world, change.key, change.action === 'create');
        if (change.entity === 'job' && change.action !== 'create') followJob(deps, change.key);
        // An event made through the control API gets the derived id, or a variant if a client already took it.
        if (change.entity === 'calendarEvent' && change.action === 'create')
          assignEventId(state, change.key, undefined);
      },
    };
  };
}

/** The Google simulator with its documented defaults. */
export const createGoogleSimulator: VendorFactory = googleSimulator();
