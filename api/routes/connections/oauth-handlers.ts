import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from 'koa';
import type { OAuthExchange, StoredOAuthConnection } from '../../../activities/oauth-connection.activities.js';
import type { OAuthApp } from '../../../config/oauth-apps.js';
import { createCredentialsCipher } from '../../../db/credentials-cipher.js';
import { User, VendorConnection } from '../../../db/entities/index.js';
import { failureTypes } from '../../../temporal/failures.js';
import { startCompleteOAuthConnection } from '../../../temporal/workflow-starters.js';
import { deny, principalOf } from '../../auth/access.js';
import { roleHas } from '../../auth/permissions.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validated } from '../../validation.js';
import { authorizeTarget } from './authorize-urls.js';
import { newOAuthState, OAUTH_STATE_TTL_SECONDS, oauthStates, type PendingOAuth } from './oauth-state.js';
import { presentConnection } from './present.js';
import { followConnection } from './sync-schedules.js';
import type { AuthorizeBody, CallbackQuery, OAuthVendor } from './schemas.js';

/** How long the callback waits for the exchange workflow before giving up on the request (not on the workflow). */
export const OAUTH_EXCHANGE_WAIT_MS = 30_000;

function invalidRequest(path: string, message: string): AppError {
  return new AppError('validation_failed', 400, 'Request validation failed', [{ location: 'body', path, message }]);
}

function badState(): AppError {
  return new AppError('oauth_state_invalid', 400, 'Unknown, expired or already used OAuth state: connect again');
}

/** The activity's verdict, carried as the cause of the workflow's failure, as an API error. */
function exchangeError(error: unknown): unknown {
  if (!(error instanceof WorkflowFailedError)) return error;
  let cause: unknown = error.cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  const failure = cause instanceof ApplicationFailure ? cause : undefined;
  const code = (failure?.details?.[0] as { code?: unknown } | undefined)?.code;
  if (failure?.type === failureTypes.vendorAuthRevoked || code === 'invalid_grant') {
    return new AppError('oauth_code_rejected', 400, 'The vendor refused the authorization code: connect again');
  }
  if (failure?.type === failureTypes.vendorValidation) {
    return new AppError('oauth_exchange_refused', 502, 'The vendor refused the code exchange');
  }
  return new AppError('vendor_unavailable', 502, 'The vendor could not complete the code exchange');
}

async function resultWithin<T>(handle: WorkflowHandle, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('oauth_exchange_timeout', 504, 'The code exchange did not finish in time')),
      ms,
    );
  });
  try {
    return (await Promise.race([handle.result(), timeout])) as T;
  } catch (error) {
    throw exchangeError(error);
  } finally {
    clearTimeout(timer);
  }
}

/** The OAuth authorize/callback pair. */
export function oauthHandlers(deps: AppDeps) {
  const { orm, redis, temporal, config } = deps;
  const cipher = createCredentialsCipher(config.credentialsKey);
  const states = oauthStates(redis);

  function appOf(vendor: OAuthVendor): OAuthApp {
    const app = config.oauthApps[vendor];
    if (!app) {
      const prefix = vendor.toUpperCase();
      throw new AppError(
        'oauth_not_configured',
        400,
        `No OAuth app is configured for ${vendor}: set ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET`,
      );
    }
    return app;
  }

  /**
   * Whoever presents the state finishes the flow of the admin who started it, and only that admin: the state is
   * bound to them, and they must still be an active admin now.
   */
  async function assertCaller(ctx: Context, pending: PendingOAuth): Promise<void> {
    const principal = ctx.state.principal;
    if (principal && principal.userId !== pending.userId) throw badState();
    const starter = await orm.em.fork().findOne(User, { id: pending.userId, active: true });
    if (!starter || !roleHas(starter.role, 'connections:manage')) await deny(ctx, orm, 'oauth_starter_not_admin');
  }

  return {
    async authorize(ctx: Context) {
      const { vendor } = validated<{ vendor: OAuthVendor }>(ctx, 'params');
      const body = validated<AuthorizeBody>(ctx, 'body');
      const app = appOf(vendor);
      if (vendor === 'airtable' && !body.baseId) throw invalidRequest('/baseId', 'is required for airtable');
      if (vendor !== 'airtable' && (body.baseId || body.baseName)) {
        throw invalidRequest(body.baseId ? '/baseId' : '/baseName', 'is only for airtable');
      }
      const state = newOAuthState();
      const target = authorizeTarget(vendor, app, state, body.baseId);
      await states.save(state, {
        vendor,
        userId: principalOf(ctx).userId!,
        redirectUri: app.redirectUri,
        ...(target.codeVerifier ? { codeVerifier: target.codeVerifier } : {}),
        ...(body.baseId
          ? { airtableBase: { id: body.baseId, ...(body.baseName ? { name: body.baseName } : {}) } }
          : {}),
      });
      ctx.body = { authorizeUrl: target.url, state, expiresIn: OAUTH_STATE_TTL_SECONDS };
    },

    async callback(ctx: Context) {
      const { vendor } = validated<{ vendor: OAuthVendor }>(ctx, 'params');
      const query = validated<CallbackQuery>(ctx, 'query');
      const principal = ctx.state.principal;
      if (principal && !roleHas(principal.role, 'connections:manage')) {
        await deny(ctx, orm, 'role', { permission: 'connections:manage' });
      }
      // Consumed first, whatever the outcome: a state is spent once the vendor has sent the browser back.
      const pending = query.state ? await states.consume(query.state) : null;
      if (query.error) {
        const denied = query.error === 'access_denied';
        throw new AppError(
          denied ? 'oauth_access_denied' : 'oauth_refused',
          400,
          denied ? `Access was denied at ${vendor}` : `${vendor} refused the authorization: ${query.error}`,
        );
      }
      if (!query.code || !query.state) {
        throw new AppError(
          'oauth_callback_incomplete',
          400,
          `${vendor} sent no authorization code (access may have been denied): connect again`,
        );
      }
      if (!pending || pending.vendor !== vendor) throw badState();
      await assertCaller(ctx, pending);
      if (vendor === 'quickbooks' && !query.realmId) {
        throw new AppError('oauth_callback_incomplete', 400, 'QuickBooks sent no realmId: connect again');
      }
      const app = appOf(vendor);
      const exchange: OAuthExchange = {
        vendor,
        code: query.code,
        redirectUri: pending.redirectUri,
        app: {
          clientId: app.clientId,
          clientSecret: app.clientSecret,
          ...(app.tokenUrl ? { tokenUrl: app.tokenUrl } : {}),
          ...(app.tokenInfoUrl ? { tokenInfoUrl: app.tokenInfoUrl } : {}),
          ...(app.endpoints ? { endpoints: app.endpoints } : {}),
        },
        ...(query.realmId ? { realmId: query.realmId } : {}),
        ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}),
        ...(pending.airtableBase ? { airtableBase: pending.airtableBase } : {}),
      };
      const handle = await startCompleteOAuthConnection(temporal.client, config.temporal.taskQueue, query.state, {
        vendor,
        sealedExchange: cipher.encrypt({ ...exchange }),
      });
      const stored = await resultWithin<StoredOAuthConnection>(handle, OAUTH_EXCHANGE_WAIT_MS);
      const connection = await orm.em.fork().findOneOrFail(VendorConnection, { id: stored.connectionId });
      await followConnection(deps, connection, 'saved');
      ctx.status = stored.created ? 201 : 200;
      if (stored.created) ctx.set('Location', `/api/connections/${connection.id}`);
      ctx.body = presentConnection(connection);
    },
  };
}
