import { createHash } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { RefreshToken, SecurityEvent, User } from '../../db/entities/index.js';
import { getHarness } from '../support/harness.js';
import { createTestUser, expectError, login, startTestApi, type TestApi, type TestUser } from '../support/api.js';

async function eventsOf(userId: string, type: string): Promise<SecurityEvent[]> {
  return getHarness()
    .orm.em.fork()
    .find(SecurityEvent, { user: userId, type }, { orderBy: { createdAt: 'asc' } });
}

/** Moves a token's rotation into the past, beyond the concurrent-refresh grace window. */
async function ageRotation(refreshToken: string, seconds: number): Promise<void> {
  const hash = createHash('sha256').update(refreshToken).digest('hex');
  await getHarness()
    .orm.em.fork()
    .getConnection()
    .execute(`update refresh_tokens set revoked_at = revoked_at - make_interval(secs => ?) where token_hash = ?`, [
      seconds,
      hash,
    ]);
}

describe('authentication: login, refresh, logout, password (real PostgreSQL and Redis)', function () {
  this.timeout(60_000);
  let api: TestApi;

  before(async () => {
    api = await startTestApi();
  });

  after(async () => {
    await api?.close();
  });

  describe('login', () => {
    let user: TestUser;
    before(async () => {
      user = await createTestUser('user');
    });

    it('answers the contract shape with a 15-minute typed access token and no caching', async () => {
      const reply = await api.call('/api/auth/login', {
        json: { email: user.email.toUpperCase(), password: user.password },
      });
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.headers.get('cache-control')).to.equal('no-store');
      expect(reply.body).to.include({ tokenType: 'Bearer', expiresIn: 900 });
      expect(reply.body.refreshToken).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(reply.body.user).to.include({ id: user.id, email: user.email, role: 'user', active: true });
      expect(reply.text).not.to.include('passwordHash').and.not.to.include('argon2');

      const decoded = jwt.decode(reply.body.accessToken as string, { complete: true })!;
      expect(decoded.header).to.include({ alg: 'HS256', typ: 'at+jwt' });
      const claims = decoded.payload as jwt.JwtPayload;
      expect(claims).to.include({ sub: user.id, role: 'user', typ: 'access', iss: api.config.jwt.issuer });
      expect(claims.aud).to.equal(api.config.jwt.audience);
      expect(claims.exp! - claims.iat!).to.equal(900);
      expect(claims.jti).to.be.a('string');
      expect(claims.sid).to.be.a('string');

      const me = await api.call('/api/auth/me', { token: reply.body.accessToken as string });
      expect(me.status, me.text).to.equal(200);
      expect(me.body).to.deep.include({ kind: 'user', role: 'user', sessionId: claims.sid });
      expect(me.body.user.email).to.equal(user.email);
    });

    it('stores an argon2id hash at OWASP parameters, never the password', async () => {
      const row = await getHarness().orm.em.fork().findOneOrFail(User, { id: user.id });
      expect(row.passwordHash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.passwordHash).not.to.include(user.password);
    });

    it('gives an unknown email, a wrong password and a deactivated account the same 401, and logs each', async () => {
      const inactive = await createTestUser('viewer');
      await getHarness().orm.em.fork().nativeUpdate(User, { id: inactive.id }, { active: false });
      const replies = await Promise.all([
        api.call('/api/auth/login', { json: { email: 'nobody@example.test', password: 'whatever-it-is' } }),
        api.call('/api/auth/login', { json: { email: user.email, password: 'not-the-password' } }),
        api.call('/api/auth/login', { json: { email: inactive.email, password: inactive.password } }),
      ]);
      for (const reply of replies) expectError(reply, 401, 'invalid_credentials');
      expect(new Set(replies.map((reply) => reply.body.error.message)).size).to.equal(1);
      const em = getHarness().orm.em.fork();
      expect(await em.count(SecurityEvent, { type: 'login_failed', email: 'nobody@example.test' })).to.equal(1);
      const [wrong] = await eventsOf(user.id, 'login_failed');
      expect(wrong?.details).to.deep.include({ reason: 'wrong_password' });
      const [refused] = await eventsOf(inactive.id, 'login_failed');
      expect(refused?.details).to.deep.include({ reason: 'inactive' });
    });

    it('rejects bad input with 400 and the field path, and a non-JSON body with 415', async () => {
      const missing = await api.call('/api/auth/login', { json: { email: 'a@b.co' } });
      expectError(missing, 400, 'validation_failed');
      expect(missing.body.error.details).to.deep.include({
        location: 'body',
        path: '/password',
        message: 'is required',
      });
      const extra = await api.call('/api/auth/login', { json: { email: 'a@b.co', password: 'x', admin: true } });
      expectError(extra, 400, 'validation_failed');
      const notEmail = await api.call('/api/auth/login', { json: { email: 'not an email', password: 'x' } });
      expectError(notEmail, 400, 'validation_failed');
      const huge = await api.call('/api/auth/login', { json: { email: 'a@b.co', password: 'x'.repeat(10_000) } });
      expectError(huge, 400, 'validation_failed');
      const form = await api.call('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=a@b.co&password=x',
      });
      expectError(form, 415, 'unsupported_media_type');
    });

    it('locks an account after five failures, even against the right password, and records the lock', async () => {
      const victim = await createTestUser('user');
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const reply = await api.call('/api/auth/login', {
          json: { email: victim.email, password: `wrong-${attempt}` },
        });
        expectError(reply, 401, 'invalid_credentials');
      }
      const locked = await api.call('/api/auth/login', { json: { email: victim.email, password: victim.password } });
      expectError(locked, 401, 'invalid_credentials');
      const row = await getHarness().orm.em.fork().findOneOrFail(User, { id: victim.id });
      expect(row.failedLoginCount).to.equal(5);
      expect(row.lockedUntil!.getTime() - Date.now()).to.be.within(14 * 60_000, 15 * 60_000);
      const [lock] = await eventsOf(victim.id, 'account_locked');
      expect(lock?.severity).to.equal('critical');

      // Once the lock has run out the right password works again and the count starts over.
      await getHarness()
        .orm.em.fork()
        .nativeUpdate(User, { id: victim.id }, { lockedUntil: new Date(Date.now() - 1000) });
      await login(api, victim);
      const after = await getHarness().orm.em.fork().findOneOrFail(User, { id: victim.id });
      expect(after.failedLoginCount).to.equal(0);
      expect(after.lockedUntil).to.equal(null);
    });
  });

  describe('refresh tokens', () => {
    let user: TestUser;
    before(async () => {
      user = await createTestUser('user');
    });

    it('rotates: a new pair each time, the old refresh token refused as just rotated within the grace', async () => {
      const first = await login(api, user);
      const second = await api.call('/api/auth/refresh', { json: { refreshToken: first.refreshToken } });
      expect(second.status, second.text).to.equal(200);
      expect(second.headers.get('cache-control')).to.equal('no-store');
      expect(second.body.refreshToken).not.to.equal(first.refreshToken);
      expect(second.body.accessToken).not.to.equal(first.accessToken);
      const sameSession = (token: string) => (jwt.decode(token) as { sid: string }).sid;
      expect(sameSession(second.body.accessToken as string)).to.equal(sameSession(first.accessToken));

      const again = await api.call('/api/auth/refresh', { json: { refreshToken: first.refreshToken } });
      expectError(again, 409, 'refresh_token_rotated');
      // The race did not end the session.
      const third = await api.call('/api/auth/refresh', { json: { refreshToken: second.body.refreshToken } });
      expect(third.status, third.text).to.equal(200);
    });

    it('treats a rotated token replayed later as theft: the whole family and its access tokens are revoked', async () => {
      const first = await login(api, user);
      const rotated = await api.call('/api/auth/refresh', { json: { refreshToken: first.refreshToken } });
      expect(rotated.status).to.equal(200);
      await ageRotation(first.refreshToken, 60);

      const replay = await api.call('/api/auth/refresh', { json: { refreshToken: first.refreshToken } });
      expectError(replay, 401, 'invalid_refresh_token');
      const legit = await api.call('/api/auth/refresh', { json: { refreshToken: rotated.body.refreshToken } });
      expectError(legit, 401, 'invalid_refresh_token');
      const access = await api.call('/api/auth/me', { token: rotated.body.accessToken as string });
      expectError(access, 401, 'unauthorized');

      const sid = (jwt.decode(first.accessToken) as { sid: string }).sid;
      const live = await getHarness().orm.em.fork().count(RefreshToken, { familyId: sid, revokedAt: null });
      expect(live).to.equal(0);
      const events = await eventsOf(user.id, 'refresh_token_reuse');
      expect(events.map((event) => [event.severity, event.details?.sessionId])).to.deep.include(['critical', sid]);
    });

    it('lets exactly one of eight concurrent refreshes of one token win, and keeps the winner usable', async () => {
      const session = await login(api, user);
      const replies = await Promise.all(
        Array.from({ length: 8 }, () =>
          api.call('/api/auth/refresh', { json: { refreshToken: session.refreshToken } }),
        ),
      );
      const winners = replies.filter((reply) => reply.status === 200);
      expect(winners, replies.map((reply) => reply.status).join(',')).to.have.length(1);
      for (const loser of replies.filter((reply) => reply.status !== 200)) {
        expectError(loser, 409, 'refresh_token_rotated');
      }
      const next = await api.call('/api/auth/refresh', { json: { refreshToken: winners[0]!.body.refreshToken } });
      expect(next.status, next.text).to.equal(200);
    });

    it('refuses an unknown, malformed or expired refresh token with 401 or 400', async () => {
      expectError(
        await api.call('/api/auth/refresh', { json: { refreshToken: 'A'.repeat(43) } }),
        401,
        'invalid_refresh_token',
      );
      expectError(
        await api.call('/api/auth/refresh', { json: { refreshToken: '<script>' } }),
        400,
        'validation_failed',
      );
      const session = await login(api, user);
      await getHarness()
        .orm.em.fork()
        .nativeUpdate(
          RefreshToken,
          { tokenHash: createHash('sha256').update(session.refreshToken).digest('hex') },
          { expiresAt: new Date(Date.now() - 1000) },
        );
      expectError(
        await api.call('/api/auth/refresh', { json: { refreshToken: session.refreshToken } }),
        401,
        'invalid_refresh_token',
      );
    });

    it('refuses a refresh token as a bearer token', async () => {
      const session = await login(api, user);
      expectError(await api.call('/api/auth/me', { token: session.refreshToken }), 401, 'unauthorized');
    });
  });

  describe('logout and password change', () => {
    it('logout ends that session only: its access and refresh tokens stop working at once', async () => {
      const user = await createTestUser('viewer');
      const [mine, other] = [await login(api, user), await login(api, user)];
      const out = await api.call('/api/auth/logout', { method: 'POST', token: mine.accessToken });
      expect(out.status, out.text).to.equal(204);
      expectError(await api.call('/api/auth/me', { token: mine.accessToken }), 401, 'unauthorized');
      expectError(
        await api.call('/api/auth/refresh', { json: { refreshToken: mine.refreshToken } }),
        401,
        'invalid_refresh_token',
      );
      expect((await api.call('/api/auth/me', { token: other.accessToken })).status).to.equal(200);
      expect((await eventsOf(user.id, 'logout')).length).to.equal(1);
    });

    it('a password change needs the current password and ends every other session', async () => {
      const user = await createTestUser('user');
      const [mine, other] = [await login(api, user), await login(api, user)];
      const wrong = await api.call('/api/auth/password', {
        token: mine.accessToken,
        json: { currentPassword: 'not-it', newPassword: 'a-brand-new-password' },
      });
      expectError(wrong, 403, 'current_password_incorrect');
      const short = await api.call('/api/auth/password', {
        token: mine.accessToken,
        json: { currentPassword: user.password, newPassword: 'short' },
      });
      expectError(short, 400, 'validation_failed');

      const changed = await api.call('/api/auth/password', {
        token: mine.accessToken,
        json: { currentPassword: user.password, newPassword: 'a-brand-new-password' },
      });
      expect(changed.status, changed.text).to.equal(200);
      expect(changed.body).to.deep.equal({ passwordChanged: true, endedSessions: 1 });

      expect((await api.call('/api/auth/me', { token: mine.accessToken })).status).to.equal(200);
      expectError(await api.call('/api/auth/me', { token: other.accessToken }), 401, 'unauthorized');
      expectError(
        await api.call('/api/auth/refresh', { json: { refreshToken: other.refreshToken } }),
        401,
        'invalid_refresh_token',
      );
      expectError(
        await api.call('/api/auth/login', { json: { email: user.email, password: user.password } }),
        401,
        'invalid_credentials',
      );
      await login(api, { email: user.email, password: 'a-brand-new-password' });
    });
  });
});
