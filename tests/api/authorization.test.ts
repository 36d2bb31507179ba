import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pino from 'pino';
import { isPublicPath } from '../../api/middleware/auth.js';
import { PERMISSIONS } from '../../api/auth/permissions.js';
import type { AppDeps } from '../../api/deps.js';
import { createRouter } from '../../api/routes/index.js';
import type { UserRole } from '../../db/entities/enums.js';
import { createCredentialsCipher } from '../../db/credentials-cipher.js';
import { Message, SecurityEvent, VendorConnection } from '../../db/entities/index.js';
import { startSync } from '../../temporal/workflow-starters.js';
import { getHarness } from '../support/harness.js';
import { createTestUser, login, startTestApi, type TestApi, type TestUser } from '../support/api.js';

type Caller = UserRole | 'anonymous';
const ROLES: readonly UserRole[] = ['admin', 'user', 'viewer'];

/** What a case knows when it builds its request. */
interface Fixture {
  caller: TestUser | null;
  other: TestUser;
  apiKeyId: string;
  /** A sync workflow made for this request by the case's `setup`. */
  syncWorkflowId: string;
  /** A vendor connection made for this request (personal token, so nothing needs a vendor). */
  connectionId: string;
  /** An inbound message made for this request. */
  messageId: string;
}

/** A Jobber connection with a sync workflow of its own (no worker runs it: it only needs to exist). */
async function syncWorkflow(state: 'running' | 'terminated'): Promise<string> {
  const em = getHarness().orm.em.fork();
  const connection = em.create(VendorConnection, {
    vendor: 'jobber',
    externalAccountId: `walk-${randomUUID()}`,
  });
  await em.flush();
  const handle = await startSync(
    getHarness().temporalClient,
    getHarness().config.temporal.taskQueue,
    connection,
    'customers',
    'full',
  );
  if (state === 'terminated') await handle.terminate('made for the authorization walk');
  return handle.workflowId;
}

/** A Slack connection from a personal token: enough for the connection routes, and no vendor is called. */
async function personalConnection(): Promise<string> {
  const em = getHarness().orm.em.fork();
  const connection = em.create(VendorConnection, { vendor: 'slack', externalAccountId: `walk-${randomUUID()}` });
  await em.flush();
  return connection.id;
}

/** An inbound SMS, for the routes that read one or mark it read. */
async function inboundMessage(): Promise<string> {
  const em = getHarness().orm.em.fork();
  const message = em.create(Message, { channel: 'sms', direction: 'inbound', status: 'received', body: 'walk' });
  await em.flush();
  return message.id;
}

/**
 * Twilio and Slack connections that can send, pointed at a closed port: no worker runs the deliveries the walk
 * starts, and none of them may ever reach a vendor.
 */
async function sendingConnections(): Promise<void> {
  const em = getHarness().orm.em.fork();
  const cipher = createCredentialsCipher(getHarness().config.credentialsKey);
  const nowhere = { endpointUrl: 'http://127.0.0.1:9/' };
  em.create(VendorConnection, {
    vendor: 'twilio',
    externalAccountId: `AC-walk-${randomUUID()}`,
    credentialsEncrypted: cipher.encrypt({
      accessToken: 'walk',
      endpoints: nowhere,
      sender: { phoneNumber: '+15005550006' },
    }),
  });
  em.create(VendorConnection, {
    vendor: 'slack',
    externalAccountId: `T-walk-${randomUUID()}`,
    credentialsEncrypted: cipher.encrypt({ accessToken: 'xoxb-walk', endpoints: nowhere }),
  });
  await em.flush();
}

/**
 * One request against one route. `allowed` lists the roles that must get through; every other role must get 403
 * and an anonymous caller 401. `route` is the router's path template, so the walk can prove every route is covered.
 */
interface Case {
  method: string;
  route: string;
  name: string;
  path(fixture: Fixture): string;
  body?(fixture: Fixture): unknown;
  /** Prepares what the request needs (a sync workflow); runs before every request of the case. */
  setup?: 'running sync' | 'finished sync';
  allowed: readonly UserRole[];
  /**
   * What an allowed caller gets when the route's success needs more than the walk sets up (a vendor round trip,
   * a job of the caller's): the handler's own answer, which proves the caller got past authorization.
   */
  authorizedStatus?: number;
}

const ALL = ROLES;
const ADMIN = ['admin'] as const;
const SENDERS = ['admin', 'user'] as const;
const own = (fixture: Fixture) => fixture.caller?.id ?? fixture.other.id;

const CASES: Case[] = [
  { method: 'GET', route: '/api/auth/me', name: 'me', path: () => '/api/auth/me', allowed: ALL },
  { method: 'POST', route: '/api/auth/logout', name: 'logout', path: () => '/api/auth/logout', allowed: ALL },
  {
    method: 'POST',
    route: '/api/auth/password',
    name: 'change own password',
    path: () => '/api/auth/password',
    body: (f) => ({ currentPassword: f.caller?.password ?? 'x', newPassword: 'a-new-password-of-mine' }),
    allowed: ALL,
  },
  { method: 'GET', route: '/api/users', name: 'list users', path: () => '/api/users', allowed: ADMIN },
  {
    method: 'POST',
    route: '/api/users',
    name: 'create user',
    path: () => '/api/users',
    body: () => ({
      email: `walk-${Math.random().toString(36).slice(2)}@example.test`,
      password: 'x'.repeat(12),
      role: 'viewer',
    }),
    allowed: ADMIN,
  },
  { method: 'GET', route: '/api/users/:id', name: 'own user', path: (f) => `/api/users/${own(f)}`, allowed: ALL },
  {
    method: 'GET',
    route: '/api/users/:id',
    name: 'foreign user',
    path: (f) => `/api/users/${f.other.id}`,
    allowed: ADMIN,
  },
  {
    method: 'PATCH',
    route: '/api/users/:id',
    name: 'rename self',
    path: (f) => `/api/users/${own(f)}`,
    body: () => ({ displayName: 'Renamed' }),
    allowed: ALL,
  },
  {
    method: 'PATCH',
    route: '/api/users/:id',
    name: 'rename a foreign user',
    path: (f) => `/api/users/${f.other.id}`,
    body: () => ({ displayName: 'Renamed by someone' }),
    allowed: ADMIN,
  },
  {
    method: 'PATCH',
    route: '/api/users/:id',
    name: 'promote self to admin',
    path: (f) => `/api/users/${own(f)}`,
    body: () => ({ role: 'admin' }),
    allowed: ADMIN,
  },
  {
    method: 'PATCH',
    route: '/api/users/:id',
    name: 'deactivate a foreign user',
    path: (f) => `/api/users/${f.other.id}`,
    body: () => ({ active: false }),
    allowed: ADMIN,
  },
  {
    method: 'PUT',
    route: '/api/users/:id/password',
    name: 'set a foreign password',
    path: (f) => `/api/users/${f.other.id}/password`,
    body: () => ({ password: 'reset-by-walker-1' }),
    allowed: ADMIN,
  },
  {
    method: 'PUT',
    route: '/api/users/:id/password',
    name: 'set own password without the current one',
    path: (f) => `/api/users/${own(f)}/password`,
    body: () => ({ password: 'reset-by-walker-2' }),
    allowed: ADMIN,
  },
  { method: 'GET', route: '/api/api-keys', name: 'list API keys', path: () => '/api/api-keys', allowed: ADMIN },
  {
    method: 'POST',
    route: '/api/api-keys',
    name: 'create an API key',
    path: () => '/api/api-keys',
    body: () => ({ name: 'walker', role: 'admin' }),
    allowed: ADMIN,
  },
  {
    method: 'DELETE',
    route: '/api/api-keys/:id',
    name: 'revoke an API key',
    path: (f) => `/api/api-keys/${f.apiKeyId}`,
    allowed: ADMIN,
  },
  {
    method: 'GET',
    route: '/api/security-events',
    name: 'security log',
    path: () => '/api/security-events',
    allowed: ADMIN,
  },
  { method: 'GET', route: '/api/dashboard/alerts', name: 'alerts', path: () => '/api/dashboard/alerts', allowed: ALL },
  {
    method: 'GET',
    route: '/api/dashboard/summary',
    name: 'summary',
    path: () => '/api/dashboard/summary',
    allowed: ALL,
  },
  {
    method: 'GET',
    route: '/api/dashboard/activity',
    name: 'activity feed',
    path: () => '/api/dashboard/activity',
    allowed: ALL,
  },
  { method: 'GET', route: '/api/clients', name: 'list clients', path: () => '/api/clients', allowed: ALL },
  {
    method: 'POST',
    route: '/api/clients',
    name: 'create a client',
    path: () => '/api/clients',
    body: () => ({ name: `Walk ${randomUUID()}` }),
    allowed: SENDERS,
  },
  ...(
    [
      ['GET', '', undefined, ALL, 'a client'],
      ['PUT', '', { name: 'Walk' }, SENDERS, 'replace a client'],
      ['DELETE', '', undefined, SENDERS, 'delete a client'],
      ['GET', '/jobs', undefined, ALL, "a client's jobs"],
      ['GET', '/invoices', undefined, ADMIN, "a client's invoices"],
    ] as const
  ).map(([method, suffix, body, allowed, name]) => ({
    method,
    route: `/api/clients/:id${suffix}`,
    name: `${name} (that does not exist)`,
    path: () => `/api/clients/${randomUUID()}${suffix}`,
    ...(body ? { body: () => body } : {}),
    allowed,
    authorizedStatus: 404,
  })),
  { method: 'GET', route: '/api/jobs', name: 'list jobs', path: () => '/api/jobs', allowed: ALL },
  {
    method: 'POST',
    route: '/api/jobs',
    name: 'create a job',
    path: () => '/api/jobs',
    body: () => ({ title: `Walk ${randomUUID()}` }),
    allowed: SENDERS,
  },
  ...(
    [
      ['GET', '/:id', '', undefined, ALL, 'a job'],
      ['PUT', '/:id', '', { title: 'Walk' }, SENDERS, 'replace a job'],
      ['DELETE', '/:id', '', undefined, SENDERS, 'delete a job'],
      ['PATCH', '/:id/status', '/status', { status: 'on_hold' }, SENDERS, "change a job's status"],
      ['POST', '/:id/notes', '/notes', { body: 'walk' }, SENDERS, 'add a job note'],
    ] as const
  ).map(([method, route, suffix, body, allowed, name]) => ({
    method,
    route: `/api/jobs${route}`,
    name: `${name} (that does not exist)`,
    path: () => `/api/jobs/${randomUUID()}${suffix}`,
    ...(body ? { body: () => body } : {}),
    allowed,
    authorizedStatus: 404,
  })),
  ...(['invoices', 'payments', 'expenses', 'reports'] as const).map((name) => ({
    method: 'GET',
    route: `/api/finances/${name}`,
    name: `finances: ${name}`,
    path: () => `/api/finances/${name}${name === 'reports' ? '?report=profit_and_loss' : ''}`,
    allowed: ADMIN,
  })),
  {
    method: 'POST',
    route: '/api/syncs',
    name: 'start a sync',
    path: () => '/api/syncs',
    body: () => ({ vendor: 'jobber', resource: 'customers', mode: 'full' }),
    setup: 'running sync',
    allowed: ADMIN,
  },
  { method: 'GET', route: '/api/syncs', name: 'list syncs', path: () => '/api/syncs', allowed: ALL },
  {
    method: 'GET',
    route: '/api/syncs/:workflowId',
    name: 'show a sync',
    path: (f) => `/api/syncs/${f.syncWorkflowId}`,
    setup: 'running sync',
    allowed: ALL,
  },
  {
    method: 'POST',
    route: '/api/syncs/:workflowId/cancel',
    name: 'cancel a sync',
    path: (f) => `/api/syncs/${f.syncWorkflowId}/cancel`,
    setup: 'running sync',
    allowed: ADMIN,
  },
  {
    method: 'GET',
    route: '/api/connections',
    name: 'list connections',
    path: () => '/api/connections',
    allowed: ADMIN,
  },
  {
    method: 'GET',
    route: '/api/connections/:id',
    name: 'show a connection',
    path: (f) => `/api/connections/${f.connectionId}`,
    allowed: ADMIN,
  },
  {
    method: 'POST',
    route: '/api/connections',
    name: 'connect with a personal token',
    path: () => '/api/connections',
    body: () => ({ vendor: 'slack', externalAccountId: `T${randomUUID()}`, accessToken: 'xoxb-walk' }),
    allowed: ADMIN,
  },
  {
    method: 'POST',
    route: '/api/connections/oauth/:vendor/authorize',
    name: 'start an OAuth connection',
    path: () => '/api/connections/oauth/jobber/authorize',
    body: () => ({}),
    allowed: ADMIN,
  },
  {
    method: 'PATCH',
    route: '/api/connections/:id',
    name: 'rename a connection',
    path: (f) => `/api/connections/${f.connectionId}`,
    body: () => ({ displayName: 'Renamed' }),
    allowed: ADMIN,
  },
  {
    method: 'DELETE',
    route: '/api/connections/:id',
    name: 'remove a connection',
    path: (f) => `/api/connections/${f.connectionId}`,
    allowed: ADMIN,
  },
  {
    method: 'POST',
    route: '/api/syncs/:workflowId/rerun',
    name: 'rerun a sync',
    path: (f) => `/api/syncs/${f.syncWorkflowId}/rerun`,
    setup: 'finished sync',
    allowed: ADMIN,
  },
  {
    method: 'POST',
    route: '/api/quotes',
    name: 'create a quote (for a client that does not exist)',
    path: () => '/api/quotes',
    body: () => ({ clientId: randomUUID(), title: 'walk', lineItems: [{ name: 'x', quantity: 1, unitPrice: 1 }] }),
    allowed: SENDERS,
    authorizedStatus: 404,
  },
  ...(
    [
      ['PUT', '/schedule', 'reschedule a job', { scheduledStart: null }],
      ['POST', '/calendar-event', 'update a job calendar event', undefined],
      ['POST', '/documents', 'add a job document', { name: 'a.txt', mimeType: 'text/plain', contentBase64: 'YWJj' }],
      ['GET', '/documents', 'list job documents', undefined],
    ] as const
  ).map(([method, suffix, name, body]): Case => ({
    method,
    route: `/api/jobs/:jobId${suffix}`,
    name: `${name} (of a job that does not exist)`,
    path: () => `/api/jobs/${randomUUID()}${suffix}`,
    ...(body ? { body: () => body } : {}),
    allowed: method === 'GET' ? ALL : SENDERS,
    authorizedStatus: 404,
  })),
  ...(
    [
      ['GET', '', 'a job document'],
      ['POST', '/slack', 'post a job document to Slack'],
    ] as const
  ).map(([method, suffix, name]): Case => ({
    method,
    route: `/api/jobs/:jobId/documents/:documentId${suffix}`,
    name: `${name} (of a job that does not exist)`,
    path: () => `/api/jobs/${randomUUID()}/documents/${randomUUID()}${suffix}`,
    ...(method === 'POST' ? { body: () => ({ channel: 'C0WALK01' }) } : {}),
    allowed: method === 'GET' ? ALL : SENDERS,
    authorizedStatus: 404,
  })),
  { method: 'GET', route: '/api/messages', name: 'list messages', path: () => '/api/messages', allowed: ALL },
  {
    method: 'GET',
    route: '/api/messages/threads',
    name: 'message threads',
    path: () => '/api/messages/threads',
    allowed: ALL,
  },
  {
    method: 'GET',
    route: '/api/messages/:id',
    name: 'a message',
    path: (f) => `/api/messages/${f.messageId}`,
    allowed: ALL,
  },
  {
    method: 'POST',
    route: '/api/messages/:id/read',
    name: 'mark a message read',
    path: (f) => `/api/messages/${f.messageId}/read`,
    allowed: SENDERS,
  },
  {
    method: 'POST',
    route: '/api/messages',
    name: 'send an SMS',
    path: () => '/api/messages',
    body: () => ({ channel: 'sms', to: '+15125550123', body: 'walk' }),
    allowed: SENDERS,
  },
  {
    method: 'POST',
    route: '/api/messages/slack',
    name: 'post to Slack',
    path: () => '/api/messages/slack',
    body: () => ({ channel: 'C0WALK0001', text: 'walk' }),
    allowed: SENDERS,
  },
];

/** Every (method, path template) the API registers, read from the router itself. */
function registeredRoutes(): string[] {
  const deps = {
    ...getHarness(),
    config: getHarness().config,
    logger: pino({ level: 'silent' }),
  } as unknown as AppDeps;
  const routes = new Set<string>();
  for (const layer of createRouter(deps).stack) {
    for (const method of layer.methods) {
      if (method !== 'HEAD') routes.add(`${method} ${layer.path}`);
    }
  }
  return [...routes].sort();
}

describe('authorization: every route × every role (and foreign resources)', function () {
  this.timeout(120_000);
  let api: TestApi;
  let adminForSetup: TestUser;

  before(async () => {
    api = await startTestApi();
    adminForSetup = await createTestUser('admin');
    await sendingConnections();
  });

  after(async () => {
    await api?.close();
  });

  it('has a case for every registered non-public route', () => {
    const covered = new Set(CASES.map((c) => `${c.method} ${c.route}`));
    const missing = registeredRoutes().filter((route) => !isPublicPath(route.split(' ')[1]!) && !covered.has(route));
    expect(missing, 'routes with no authorization case').to.deep.equal([]);
  });

  it('validates the input of every non-probe route with an ajv schema', () => {
    const deps = { ...getHarness(), logger: pino({ level: 'silent' }) } as unknown as AppDeps;
    const unvalidated = createRouter(deps)
      .stack.filter((layer) => layer.methods.length > 0 && !['/healthz', '/readyz'].includes(String(layer.path)))
      .filter((layer) => !layer.stack.some((middleware) => 'schemas' in middleware))
      .map((layer) => `${layer.methods.join(',')} ${layer.path}`);
    expect(unvalidated).to.deep.equal([]);
  });

  it('lets exactly the allowed roles through and refuses everyone else, with zero unauthorized successes', async () => {
    const setup = await login(api, adminForSetup);
    const violations: string[] = [];
    for (const testCase of CASES) {
      for (const caller of [...ROLES, 'anonymous'] as Caller[]) {
        // Fresh people and a fresh key for every request: some requests (logout, deactivation) spend them.
        const other = await createTestUser('user');
        const key = await api.call('/api/api-keys', { token: setup.accessToken, json: { name: 'k', role: 'viewer' } });
        const user = caller === 'anonymous' ? null : await createTestUser(caller);
        const token = user ? (await login(api, user)).accessToken : undefined;
        const syncWorkflowId = testCase.setup
          ? await syncWorkflow(testCase.setup === 'running sync' ? 'running' : 'terminated')
          : '';
        const connectionId = await personalConnection();
        const messageId = await inboundMessage();
        const fixture: Fixture = {
          caller: user,
          other,
          apiKeyId: key.body.apiKey.id as string,
          syncWorkflowId,
          connectionId,
          messageId,
        };
        const body = testCase.body?.(fixture);
        const reply = await api.call(testCase.path(fixture), {
          method: testCase.method,
          ...(token ? { token } : {}),
          ...(body !== undefined ? { json: body } : {}),
        });
        const expected =
          caller === 'anonymous' ? 401 : testCase.allowed.includes(caller) ? (testCase.authorizedStatus ?? 'ok') : 403;
        const label = `${testCase.method} ${testCase.name} as ${caller}: ${reply.status} ${reply.text.slice(0, 120)}`;
        if (expected === 'ok' ? reply.status >= 300 : reply.status !== expected) violations.push(label);
      }
    }
    expect(violations).to.deep.equal([]);
  });

  it('records a permission_denied event naming the route, role and reason', async () => {
    const viewer = await createTestUser('viewer');
    const other = await createTestUser('user');
    const session = await login(api, viewer);
    const reply = await api.call(`/api/users/${other.id}`, { token: session.accessToken });
    expect(reply.status).to.equal(403);
    const events = await getHarness().orm.em.fork().find(SecurityEvent, { user: viewer.id, type: 'permission_denied' });
    expect(events).to.have.length(1);
    expect(events[0]!.details).to.deep.include({
      method: 'GET',
      path: `/api/users/${other.id}`,
      role: 'viewer',
      reason: 'not_own_user',
    });
  });

  it('keeps the README role matrix equal to the permission table the code enforces', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    for (const [permission, roles] of Object.entries(PERMISSIONS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${permission}\``));
      expect(row, `README row for ${permission}`).to.be.a('string');
      const cells = row!.split('|').map((cell) => cell.trim());
      const marks = ROLES.map((role) => cells[2 + ROLES.indexOf(role)] === '✓');
      expect(marks, permission).to.deep.equal(ROLES.map((role) => (roles as readonly string[]).includes(role)));
    }
  });
});
