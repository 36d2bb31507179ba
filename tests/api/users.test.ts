import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseApiKey } from '../../api/auth/api-keys.js';
import { DEMO_USERS, ensureDemoUsers } from '../../api/auth/demo-users.js';
import { SecurityEvent, User } from '../../db/entities/index.js';
import { getHarness } from '../support/harness.js';
import {
  createTestUser,
  expectError,
  login,
  startTestApi,
  type Session,
  type TestApi,
  type TestUser,
} from '../support/api.js';

const INJECTIONS = [
  "Robert'); DROP TABLE users;--",
  '<script>alert("x")</script>',
  "' OR '1'='1",
  '%_\\',
  '${7*7} {{7*7}}',
];

describe('users, API keys and the security log (admin surfaces)', function () {
  this.timeout(60_000);
  let api: TestApi;
  let admin: TestUser;
  let adminSession: Session;

  before(async () => {
    await getHarness().truncateAll();
    api = await startTestApi();
    admin = await createTestUser('admin');
    adminSession = await login(api, admin);
  });

  after(async () => {
    await api?.close();
  });

  describe('users', () => {
    it('an admin creates a user who can then sign in; a taken email (any case) is 409', async () => {
      const created = await api.call('/api/users', {
        token: adminSession.accessToken,
        json: { email: 'New.Tech@Example.test', password: 'correct horse battery', role: 'user', displayName: 'Tech' },
      });
      expect(created.status, created.text).to.equal(201);
      expect(created.headers.get('location')).to.equal(`/api/users/${created.body.id}`);
      expect(created.body).to.include({ email: 'new.tech@example.test', role: 'user', active: true, locked: false });
      await login(api, { email: 'new.tech@example.test', password: 'correct horse battery' });

      const again = await api.call('/api/users', {
        token: adminSession.accessToken,
        json: { email: 'NEW.TECH@example.test', password: 'another long password', role: 'viewer' },
      });
      expectError(again, 409, 'email_taken');
    });

    it('lists with filters and cursor pagination, never showing password hashes', async () => {
      for (let i = 0; i < 3; i += 1) await createTestUser('viewer');
      const first = await api.call('/api/users?role=viewer&limit=2', { token: adminSession.accessToken });
      expect(first.status, first.text).to.equal(200);
      expect(first.body.data).to.have.length(2);
      expect(first.body.page.limit).to.equal(2);
      expect(first.body.page.nextCursor).to.be.a('string');
      const second = await api.call(`/api/users?role=viewer&limit=2&cursor=${first.body.page.nextCursor}`, {
        token: adminSession.accessToken,
      });
      expect(second.status, second.text).to.equal(200);
      const ids = [...first.body.data, ...second.body.data].map((user: { id: string }) => user.id);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids.length).to.be.at.least(3);
      expect(first.text + second.text).not.to.include('argon2');
      for (const user of [...first.body.data, ...second.body.data]) expect(user.role).to.equal('viewer');

      expectError(
        await api.call('/api/users?limit=1000', { token: adminSession.accessToken }),
        400,
        'validation_failed',
      );
      expectError(
        await api.call('/api/users?cursor=bm9wZQ', { token: adminSession.accessToken }),
        400,
        'validation_failed',
      );
      expectError(
        await api.call('/api/users?sort=email', { token: adminSession.accessToken }),
        400,
        'validation_failed',
      );
    });

    it('a role change or deactivation ends the sessions of that user at once', async () => {
      const target = await createTestUser('user');
      const session = await login(api, target);
      const demoted = await api.call(`/api/users/${target.id}`, {
        method: 'PATCH',
        token: adminSession.accessToken,
        json: { role: 'viewer' },
      });
      expect(demoted.status, demoted.text).to.equal(200);
      expect(demoted.body.role).to.equal('viewer');
      expectError(await api.call('/api/auth/me', { token: session.accessToken }), 401, 'unauthorized');
      const relogged = await login(api, target);
      const me = await api.call('/api/auth/me', { token: relogged.accessToken });
      expect(me.body.role).to.equal('viewer');

      const off = await api.call(`/api/users/${target.id}`, {
        method: 'PATCH',
        token: adminSession.accessToken,
        json: { active: false },
      });
      expect(off.status, off.text).to.equal(200);
      expectError(await api.call('/api/auth/me', { token: relogged.accessToken }), 401, 'unauthorized');
      expectError(
        await api.call('/api/auth/refresh', { json: { refreshToken: relogged.refreshToken } }),
        401,
        'invalid_refresh_token',
      );
      const events = await getHarness()
        .orm.em.fork()
        .find(SecurityEvent, { user: target.id, type: 'user_deactivated' });
      expect(events).to.have.length(1);
    });

    it('refuses to demote or deactivate the last active admin (409) and changes nothing', async () => {
      const em = getHarness().orm.em.fork();
      const admins = await em.count(User, { role: 'admin', active: true });
      expect(admins).to.equal(1);
      const reply = await api.call(`/api/users/${admin.id}`, {
        method: 'PATCH',
        token: adminSession.accessToken,
        json: { role: 'user', displayName: 'should not stick' },
      });
      expectError(reply, 409, 'last_admin');
      const row = await getHarness().orm.em.fork().findOneOrFail(User, { id: admin.id });
      expect(row.role).to.equal('admin');
      expect(row.displayName).to.equal(null);
    });

    it('an admin resets a password: the old one stops working and the user is signed out everywhere', async () => {
      const target = await createTestUser('user');
      const session = await login(api, target);
      const reply = await api.call(`/api/users/${target.id}/password`, {
        method: 'PUT',
        token: adminSession.accessToken,
        json: { password: 'set-by-the-admin-123' },
      });
      expect(reply.status, reply.text).to.equal(204);
      expectError(await api.call('/api/auth/me', { token: session.accessToken }), 401, 'unauthorized');
      await login(api, { email: target.email, password: 'set-by-the-admin-123' });
    });

    it('404s an unknown user id for an admin and 400s a malformed one', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expectError(await api.call(`/api/users/${unknown}`, { token: adminSession.accessToken }), 404, 'not_found');
      expectError(await api.call('/api/users/42', { token: adminSession.accessToken }), 400, 'validation_failed');
    });

    it('stores injection and script strings as plain text and matches them literally in searches', async () => {
      const ids: string[] = [];
      for (const [index, text] of INJECTIONS.entries()) {
        const created = await api.call('/api/users', {
          token: adminSession.accessToken,
          json: {
            email: `inject-${index}@example.test`,
            password: 'long enough password',
            role: 'viewer',
            displayName: text,
          },
        });
        expect(created.status, created.text).to.equal(201);
        expect(created.headers.get('content-type')).to.match(/^application\/json/);
        ids.push(created.body.id as string);
        const shown = await api.call(`/api/users/${created.body.id}`, { token: adminSession.accessToken });
        expect(shown.body.displayName).to.equal(text);
      }
      // The table survived, and a search for a quote or a wildcard finds only the rows that contain it.
      expect(await getHarness().orm.em.fork().count(User, {})).to.be.above(INJECTIONS.length);
      const quote = await api.call(`/api/users?q=${encodeURIComponent("' OR '1'='1")}`, {
        token: adminSession.accessToken,
      });
      expect(quote.body.data.map((user: { id: string }) => user.id)).to.deep.equal([ids[2]]);
      const wildcard = await api.call(`/api/users?q=${encodeURIComponent('%_')}`, { token: adminSession.accessToken });
      expect(wildcard.body.data.map((user: { id: string }) => user.id)).to.deep.equal([ids[3]]);
    });
  });

  describe('API keys', () => {
    it('shows a key once, authenticates with its role, and stops working when revoked', async () => {
      const created = await api.call('/api/api-keys', {
        token: adminSession.accessToken,
        json: { name: "Slack '; DROP TABLE api_keys;--", role: 'viewer' },
      });
      expect(created.status, created.text).to.equal(201);
      const key = created.body.key as string;
      expect(key).to.match(/^bdk_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
      expect(created.body.apiKey.name).to.equal("Slack '; DROP TABLE api_keys;--");

      const me = await api.call('/api/auth/me', { token: key });
      expect(me.status, me.text).to.equal(200);
      expect(me.body).to.deep.include({ kind: 'api_key', role: 'viewer' });
      expectError(await api.call('/api/users', { token: key }), 403, 'forbidden');

      const listed = await api.call('/api/api-keys', { token: adminSession.accessToken });
      // The secret is base64url, so it may itself contain "_": take it from the parser, not from a split.
      expect(listed.text).not.to.include(parseApiKey(key)!.secret);
      expect(listed.body.data.map((row: { id: string }) => row.id)).to.include(created.body.apiKey.id);

      const revoked = await api.call(`/api/api-keys/${created.body.apiKey.id}`, {
        method: 'DELETE',
        token: adminSession.accessToken,
      });
      expect(revoked.status).to.equal(204);
      expectError(await api.call('/api/auth/me', { token: key }), 401, 'unauthorized');
      const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
      expectError(await api.call('/api/auth/me', { token: tampered }), 401, 'unauthorized');
    });

    it('refuses an expiry in the past', async () => {
      const reply = await api.call('/api/api-keys', {
        token: adminSession.accessToken,
        json: { name: 'old', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' },
      });
      expectError(reply, 400, 'validation_failed');
    });

    it('takes scopes from the vocabulary only, defaults them to api, and lists them', async () => {
      const refused = [
        ['admin'],
        ['webhooks:custom:Web Site'],
        ['webhooks:custom:'],
        ['webhooks:*'],
        ['api', 'api'],
        [],
        'api',
      ];
      for (const scopes of refused) {
        const reply = await api.call('/api/api-keys', {
          token: adminSession.accessToken,
          json: { name: 'scoped', role: 'viewer', scopes },
        });
        expectError(reply, 400, 'validation_failed');
        expect(reply.body.error.details[0].path, JSON.stringify(scopes)).to.match(/^\/scopes/);
      }
      const scopes = ['api', 'webhooks:custom:website', 'webhooks:custom:*'];
      const created = await api.call('/api/api-keys', {
        token: adminSession.accessToken,
        json: { name: 'scoped', role: 'viewer', scopes },
      });
      expect(created.status, created.text).to.equal(201);
      expect(created.body.apiKey.scopes).to.deep.equal(scopes);
      const unscoped = await api.call('/api/api-keys', {
        token: adminSession.accessToken,
        json: { name: 'unscoped', role: 'viewer' },
      });
      expect(unscoped.body.apiKey.scopes).to.deep.equal(['api']);
      const listed = await api.call('/api/api-keys', { token: adminSession.accessToken });
      const shown = listed.body.data.find((row: { id: string }) => row.id === created.body.apiKey.id);
      expect(shown.scopes).to.deep.equal(scopes);
    });
  });

  describe('security log and alerts', () => {
    it('lets an admin read and filter the security log, and shows lockouts as one grouped alert', async () => {
      const victim = await createTestUser('user');
      for (let attempt = 0; attempt < 6; attempt += 1) {
        await api.call('/api/auth/login', { json: { email: victim.email, password: `nope-${attempt}` } });
      }
      const log = await api.call(`/api/security-events?type=account_locked&userId=${victim.id}`, {
        token: adminSession.accessToken,
      });
      expect(log.status, log.text).to.equal(200);
      expect(log.body.data.length).to.be.at.least(1);
      expect(log.body.data[0]).to.include({ type: 'account_locked', severity: 'critical', userId: victim.id });

      const alerts = await api.call('/api/dashboard/alerts', { token: adminSession.accessToken });
      expect(alerts.status, alerts.text).to.equal(200);
      const failed = alerts.body.data.find(
        (alert: { type: string; subject: { email: string } }) =>
          alert.type === 'login_failed' && alert.subject.email === victim.email,
      );
      expect(failed).to.include({ kind: 'security', severity: 'warning', count: 6 });
      expect(alerts.body.data[0].severity).to.equal('critical');

      const viewer = await createTestUser('viewer');
      const viewerAlerts = await api.call('/api/dashboard/alerts', { token: (await login(api, viewer)).accessToken });
      expect(viewerAlerts.status).to.equal(200);
      expect(viewerAlerts.body.data).to.deep.equal([]);
    });
  });

  describe('demo users and user:create', () => {
    it('creates the three demo users once, who sign in with the demo password', async () => {
      const em = getHarness().orm.em.fork();
      const first = await ensureDemoUsers(em, 'demo-password-123');
      const second = await ensureDemoUsers(getHarness().orm.em.fork(), 'demo-password-123');
      expect(first.created).to.deep.equal(DEMO_USERS.map((user) => user.email));
      expect(second.created).to.deep.equal([]);
      for (const demo of DEMO_USERS) {
        const session = await login(api, { email: demo.email, password: 'demo-password-123' });
        const me = await api.call('/api/auth/me', { token: session.accessToken });
        expect(me.body.role).to.equal(demo.role);
      }
    });

    it('npm run user:create makes an admin who can sign in, and explains what is wrong with bad input', () => {
      const script = fileURLToPath(new URL('../../scripts/user-create.js', import.meta.url));
      const env = { ...process.env, DATABASE_URL: getHarness().databaseUrl, USER_PASSWORD: 'first-admin-password' };
      const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8' });

      const ok = run('--email', 'owner@example.test', '--role', 'admin', '--name', 'Owner');
      expect(ok.status, ok.stderr).to.equal(0);
      expect(ok.stdout).to.match(/created admin owner@example\.test/);
      expect(ok.stdout).not.to.include('first-admin-password');

      const duplicate = run('--email', 'OWNER@example.test', '--role', 'admin');
      expect(duplicate.status).to.equal(1);
      expect(duplicate.stderr).to.include('already exists');
      const badRole = run('--email', 'x@example.test', '--role', 'root');
      expect(badRole.status).to.equal(1);
      expect(badRole.stderr).to.include('role');
    });
  });
});
