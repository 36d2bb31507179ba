import { Router } from '@koa/router';
import type { Context } from 'koa';
import { principalOf } from '../../auth/access.js';
import { clientInfo } from '../../auth/client-info.js';
import { publicUser } from '../../auth/public-user.js';
import { SessionService } from '../../auth/sessions.js';
import { ApiKey, User } from '../../../db/entities/index.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { validate, validated } from '../../validation.js';
import { changePasswordBody, emptyObject, loginBody, refreshBody } from './schemas.js';

/** RFC 6749 §5.1: responses that carry tokens must not be cached anywhere. */
function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

function sessionClaims(ctx: Context) {
  const claims = ctx.state.user;
  if (!claims) throw new AppError('not_a_session', 400, 'An API key has no session to end or password to change');
  return claims;
}

/** /api/auth: sign in, rotate, sign out, who am I, change my password. */
export function authRouter(deps: AppDeps): Router {
  const sessions = new SessionService(deps.orm, deps.config, deps.redis, deps.realtime);
  const router = new Router({ prefix: '/api/auth' });

  router.post('/login', validate({ body: loginBody }), async (ctx) => {
    const { email, password } = validated<{ email: string; password: string }>(ctx, 'body');
    noStore(ctx);
    ctx.body = await sessions.login(email, password, clientInfo(ctx));
  });

  router.post('/refresh', validate({ body: refreshBody }), async (ctx) => {
    const { refreshToken } = validated<{ refreshToken: string }>(ctx, 'body');
    noStore(ctx);
    ctx.body = await sessions.refresh(refreshToken, clientInfo(ctx));
  });

  router.post('/logout', validate({ body: emptyObject, query: emptyObject }), async (ctx) => {
    await sessions.logout(sessionClaims(ctx), clientInfo(ctx));
    ctx.status = 204;
  });

  router.get('/me', validate({ query: emptyObject }), async (ctx) => {
    const principal = principalOf(ctx);
    const em = deps.orm.em.fork();
    const user = principal.userId ? await em.findOne(User, { id: principal.userId }) : null;
    const apiKey = principal.apiKeyId ? await em.findOne(ApiKey, { id: principal.apiKeyId }) : null;
    if (principal.kind === 'user' && (!user || !user.active)) {
      throw new AppError('unauthorized', 401, 'Missing or invalid access token');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      kind: principal.kind,
      role: principal.role,
      user: user ? publicUser(user) : null,
      ...(apiKey ? { apiKey: { id: apiKey.id, name: apiKey.name } } : {}),
      ...(principal.sessionId ? { sessionId: principal.sessionId } : {}),
    };
  });

  router.post('/password', validate({ body: changePasswordBody }), async (ctx) => {
    const claims = sessionClaims(ctx);
    const { currentPassword, newPassword } = validated<{ currentPassword: string; newPassword: string }>(ctx, 'body');
    const result = await sessions.changePassword(
      { userId: claims.sub, sessionId: claims.sid },
      currentPassword,
      newPassword,
      clientInfo(ctx),
    );
    ctx.body = { passwordChanged: true, endedSessions: result.endedSessions };
  });

  return router;
}
