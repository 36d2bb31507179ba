import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { invalidateDashboard } from '../../db/dashboard-generation.js';
import { createTestUser, expectError, login, startTestApi, type Json, type TestApi } from '../support/api.js';
import { getHarness } from '../support/harness.js';
import { createRowTracker, utcDayOffset } from './dashboard-rows.js';

describe('/api/dashboard/alerts (real PostgreSQL)', function () {
  this.timeout(120_000);
  const tag = `alerts-${randomUUID().slice(0, 8)}`;
  const rows = createRowTracker();
  let api: TestApi;
  let admin: string;
  let viewer: string;
  let failing: string;
  let recovered: string;
  let revoked: string;

  const alerts = async (token: string): Promise<Json[]> => {
    const reply = await api.call('/api/dashboard/alerts', { token });
    expect(reply.status, reply.text).to.equal(200);
    return reply.body.data as Json[];
  };

  const now = Date.now();
  const syncOutcome = (connectionId: string, resource: string, step: string, minutesAgo: number, error?: string) =>
    rows.insert('sync_log', {
      service: 'jobber',
      operation: 'sync_incremental',
      step,
      status: step === 'completed' ? 'succeeded' : 'failed',
      resource_type: resource,
      connection_id: connectionId,
      workflow_id: `sync:${connectionId}:${resource}`,
      error_message: error ?? null,
      created_at: new Date(now - minutesAgo * 60_000),
    });

  before(async () => {
    api = await startTestApi();
    admin = (await login(api, await createTestUser('admin'))).accessToken;
    viewer = (await login(api, await createTestUser('viewer'))).accessToken;
    const connection = (status: string, name: string) =>
      rows.insert('vendor_connections', { vendor: 'jobber', external_account_id: `${tag}-${name}`, status });
    failing = await connection('connected', 'failing');
    recovered = await connection('connected', 'recovered');
    revoked = await connection('needs_reauth', 'revoked');
    // Failing: two failures of customers since its last success; jobs failed once but succeeded afterwards.
    await syncOutcome(failing, 'customers', 'completed', 300);
    await syncOutcome(failing, 'customers', 'failed', 120, 'Jobber answered 503');
    await syncOutcome(failing, 'customers', 'failed', 60, 'Jobber answered 502');
    await syncOutcome(failing, 'jobs', 'failed', 90, 'timeout');
    await syncOutcome(failing, 'jobs', 'completed', 30);
    // Recovered: a failure long ago (outside the window), and one answered by a success.
    await syncOutcome(recovered, 'customers', 'failed', 8 * 24 * 60, 'ancient');
    await syncOutcome(recovered, 'invoices', 'failed', 50, 'flaky');
    await syncOutcome(recovered, 'invoices', 'completed', 40);
    await rows.insert('invoices', {
      vendor: 'quickbooks',
      external_id: `${tag}-overdue`,
      status: 'open',
      total: '120.00',
      balance: '120.00',
      due_on: utcDayOffset(-3),
    });
  });

  after(async () => {
    await rows.removeAll();
    await api?.close();
  });

  it('raises one alert per connection and resource still failing, with its count and latest reason', async () => {
    const mine = (await alerts(viewer)).filter(
      (alert) => alert.kind === 'sync' && [failing, recovered].includes(alert.subject.connectionId as string),
    );
    expect(mine).to.have.length(1);
    expect(mine[0]).to.deep.include({
      type: 'sync_failed',
      severity: 'warning',
      count: 2,
      error: 'Jobber answered 502',
      title: 'jobber customers sync failing',
    });
    expect(mine[0]!.subject).to.deep.equal({
      connectionId: failing,
      vendor: 'jobber',
      resource: 'customers',
      workflowId: `sync:${failing}:customers`,
    });
    expect(Date.parse(mine[0]!.lastAt as string) - Date.parse(mine[0]!.firstAt as string)).to.equal(3_600_000);
  });

  it('keeps an alert id stable while its group changes, and drops the alert once a sync succeeds', async () => {
    const find = async () =>
      (await alerts(viewer)).find((alert) => alert.kind === 'sync' && alert.subject.connectionId === failing);
    const first = await find();
    await syncOutcome(failing, 'customers', 'failed', 1, 'Jobber answered 500');
    const second = await find();
    expect(second!.id).to.equal(first!.id);
    expect(second!.count).to.equal(3);
    await syncOutcome(failing, 'customers', 'completed', 0);
    expect(await find()).to.equal(undefined);
  });

  it('shows connections needing re-authorization to every dashboard reader', async () => {
    for (const token of [viewer, admin]) {
      const reauth = (await alerts(token)).filter((alert) => alert.kind === 'connection');
      const mine = reauth.find((alert) => alert.subject.connectionId === revoked);
      expect(mine).to.deep.include({ type: 'needs_reauth', severity: 'critical', count: 1 });
      expect(mine!.subject).to.deep.equal({ connectionId: revoked, vendor: 'jobber', displayName: null });
    }
  });

  it('shows overdue invoices (as the summary counts them) and security events to admins only', async () => {
    const victim = await createTestUser('user');
    await api.call('/api/auth/login', { json: { email: victim.email, password: 'wrong-password-1' } });
    const adminAlerts = await alerts(admin);
    await invalidateDashboard(getHarness().redis, { scope: 'test' });
    const summary = await api.call('/api/dashboard/summary', { token: admin });
    const overdue = adminAlerts.filter((alert) => alert.kind === 'finance');
    expect(overdue).to.have.length(1);
    expect(overdue[0]).to.deep.include({
      type: 'invoices_overdue',
      count: summary.body.receivables.overdue.count,
      amount: summary.body.receivables.overdue.balance,
    });
    expect(overdue[0]!.count).to.be.at.least(1);
    const security = adminAlerts.find((alert) => alert.kind === 'security' && alert.subject.email === victim.email);
    expect(security).to.deep.include({ type: 'login_failed', count: 1 });

    const viewerKinds = new Set((await alerts(viewer)).map((alert) => alert.kind));
    expect(viewerKinds.has('finance')).to.equal(false);
    expect(viewerKinds.has('security')).to.equal(false);
    expect(viewerKinds.has('connection')).to.equal(true);
  });

  it('orders alerts by severity, then the most recent first', async () => {
    const data = await alerts(admin);
    const rank: Record<string, number> = { critical: 0, warning: 1, info: 2 };
    for (let index = 1; index < data.length; index += 1) {
      const [previous, current] = [data[index - 1]!, data[index]!];
      const order = rank[previous.severity]! - rank[current.severity]! || current.lastAt.localeCompare(previous.lastAt);
      expect(order, JSON.stringify([previous, current])).to.be.at.most(0);
    }
  });

  it('refuses query parameters with the field path', async () => {
    const reply = await api.call('/api/dashboard/alerts?kind=sync', { token: admin });
    expectError(reply, 400, 'validation_failed');
    expect(reply.body.error.details).to.deep.equal([{ location: 'query', path: '/kind', message: 'is not allowed' }]);
  });
});
