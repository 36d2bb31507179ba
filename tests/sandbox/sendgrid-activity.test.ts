import { expect } from 'chai';
import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { sendgridSimulatorWith } from '../../sandbox/vendors/sendgrid/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { sandboxControl } from '../support/vendor-testing.js';

/*
 * Contract tests of the SendGrid simulator's Email Activity feed (`GET /v3/messages`), driven through
 * @sendgrid/client's `request`, the way the integration calls it.
 */

interface SendgridInfo {
  baseUrl: string;
  apiKey: string;
  restrictedApiKey: string;
}

interface ActivityRow {
  from_email: string;
  msg_id: string;
  subject: string;
  to_email: string;
  status: string;
  opens_count: number;
  clicks_count: number;
  last_event_time: string;
}

interface SdkError {
  code: number;
  response: { headers: Record<string, string>; body: { errors: Array<{ message: string }> } };
}

describe('sandbox: SendGrid Email Activity (GET /v3/messages)', () => {
  let running: RunningSandbox;
  let info: SendgridInfo;

  const control = (path: string, body?: unknown) => sandboxControl(running.controlUrl)(path, body);

  function client(apiKey = info.apiKey): Client {
    const made = new Client();
    made.setApiKey(apiKey);
    made.setDefaultRequest('baseUrl', `${info.baseUrl}/`);
    return made;
  }

  async function send(overrides: Partial<MailDataRequired>): Promise<string> {
    const mail = new MailService();
    mail.setClient(client());
    const [response] = await mail.send({
      to: 'pat@example.com',
      from: { email: 'office@acme-services.test' },
      subject: 'Your quote is ready',
      text: 'Hello',
      ...overrides,
    } as MailDataRequired);
    return String(response.headers['x-message-id']);
  }

  async function search(query?: string, limit?: number): Promise<ActivityRow[]> {
    const qs = { ...(query !== undefined ? { query } : {}), ...(limit !== undefined ? { limit } : {}) };
    const [response, body] = await client().request({ method: 'GET', url: '/v3/messages', qs });
    expect(response.statusCode).to.equal(200);
    return (body as { messages: ActivityRow[] }).messages;
  }

  async function refusal(query: string, apiKey?: string): Promise<SdkError> {
    try {
      await client(apiKey).request({ method: 'GET', url: '/v3/messages', qs: { query } });
    } catch (error) {
      return error as SdkError;
    }
    throw new Error(`expected ${query} to be refused`);
  }

  before(async () => {
    running = await startSandbox({
      factories: [sendgridSimulatorWith({ engagementEvents: true, activityRateLimit: { limit: 4, windowMs: 60_000 } })],
      port: 0,
      scale: 'small',
    });
    info = ((await control('/')).vendors as Record<string, SendgridInfo>).sendgrid!;
  });

  after(async () => {
    await running?.close();
  });

  beforeEach(async () => {
    await control('/reset', {});
    await control('/settings', { rateLimits: false });
  });

  it('lists a row per recipient with the documented fields, newest first, and finds rows by custom arg', async () => {
    const first = await send({
      to: ['pat@example.com', 'bounce-7@example.com'],
      customArgs: { idempotency_key: 'k-1' },
    });
    const second = await send({ subject: 'Reminder', customArgs: { idempotency_key: 'k-2' } });
    const all = await search();
    expect(all.map((row) => row.to_email)).to.deep.equal([
      'pat@example.com',
      'pat@example.com',
      'bounce-7@example.com',
    ]);
    expect(all[0]!.msg_id.startsWith(`${second}.`)).to.equal(true);
    expect(all[0]).to.deep.include({
      from_email: 'office@acme-services.test',
      subject: 'Reminder',
      status: 'delivered',
      clicks_count: 0,
    });
    expect(all[0]!.opens_count).to.equal(1);
    expect(all[0]!.last_event_time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const byKey = await search(`unique_args['idempotency_key']="k-1"`);
    expect(byKey.map((row) => [row.to_email, row.status])).to.deep.equal([
      ['pat@example.com', 'delivered'],
      ['bounce-7@example.com', 'not_delivered'],
    ]);
    expect(byKey.every((row) => row.msg_id.startsWith(`${first}.filter`))).to.equal(true);
    expect(await search(`unique_args['idempotency_key']="k-3"`)).to.deep.equal([]);
    expect(await search(`unique_args['other']="k-1"`)).to.deep.equal([]);
  });

  it('combines conditions with AND, parentheses and a last_event_time window; honours limit', async () => {
    for (const key of ['a', 'b', 'c']) await send({ to: `${key}@example.com`, customArgs: { idempotency_key: key } });
    const now = Date.now();
    const stamp = (ms: number) => `TIMESTAMP "${new Date(ms).toISOString()}"`;
    const window = (from: number, to: number) => `last_event_time BETWEEN ${stamp(from)} AND ${stamp(to)}`;
    const recent = window(now - 60_000, now + 60_000);
    expect(await search(`(unique_args['idempotency_key']="b") AND ${recent}`)).to.have.length(1);
    expect(await search(`to_email="c@example.com" and status="delivered"`)).to.have.length(1);
    expect(await search(`unique_args['idempotency_key']="b" AND ${window(now + 60_000, now + 120_000)}`)).to.deep.equal(
      [],
    );
    expect((await search(undefined, 2)).map((row) => row.to_email)).to.deep.equal(['c@example.com', 'b@example.com']);
    expect(await search()).to.have.length(3);
  });

  it('answers 400 to a query outside the language subset, and a bad limit', async () => {
    const unknownField = await refusal('bad_field="x"');
    expect(unknownField.code).to.equal(400);
    expect(unknownField.response.body.errors[0]!.message).to.equal("invalid syntax: 'bad_field' is not a known field");
    for (const query of ['to_email="unterminated', 'to_email=', 'to_email="a" OR to_email="b"', 'categories="x"']) {
      expect((await refusal(query)).code, query).to.equal(400);
    }
    const limit = await client()
      .request({ method: 'GET', url: '/v3/messages', qs: { limit: 1001 } })
      .then(
        () => expect.fail('limit 1001 should be refused'),
        (error: SdkError) => error,
      );
    expect(limit.code).to.equal(400);
  });

  it('needs email_activity.read (403), lists nothing for sandbox-mode sends, and forgets on reset', async () => {
    expect((await refusal('to_email="pat@example.com"', info.restrictedApiKey)).code).to.equal(403);
    await send({ mailSettings: { sandboxMode: { enable: true } } });
    expect(await search()).to.deep.equal([]);
    await send({});
    expect(await search()).to.have.length(1);
    await control('/reset', {});
    expect(await search()).to.deep.equal([]);
  });

  it('has its own rate-limit window (6 a minute at SendGrid; 4 here), apart from mail/send', async () => {
    await control('/settings', { rateLimits: true });
    try {
      for (let call = 0; call < 4; call++) await search();
      const throttled = await refusal('to_email="pat@example.com"');
      expect(throttled.code).to.equal(429);
      expect(throttled.response.headers['x-ratelimit-limit']).to.equal('4');
      expect(throttled.response.body.errors[0]!.message).to.equal('too many requests');
      expect(await send({})).to.be.a('string');
    } finally {
      await control('/settings', { rateLimits: false });
    }
  });
});
