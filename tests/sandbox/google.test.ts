import { expect } from 'chai';
import { OAuth2Client } from 'google-auth-library';
import { google, type calendar_v3 } from 'googleapis';
import { eventId } from '../../sandbox/vendors/google/ids.js';
import { createGoogleSimulator, googleSimulator } from '../../sandbox/vendors/google/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

/*
 * Contract tests for the Google simulator through the official SDKs (googleapis + google-auth-library), pointed at
 * it only through `rootUrl` and the OAuth client's `endpoints`: OAuth, errors, rate limits, faults, Calendar v3.
 * Gmail and Drive are in google-gmail-drive.test.ts.
 */

const ALL_SCOPES = [
  'https://www.googleapis.com/auth/calendar',
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/drive',
];
const REDIRECT = 'http://127.0.0.1:9/oauth/callback';

interface Failure {
  status: number;
  data: { error?: unknown; error_description?: string };
}

/** The status and body of a rejected SDK call (a GaxiosError). */
async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Failure['data'] } }).response;
    if (!response) throw error;
    return { status: response.status, data: response.data };
  }
  throw new Error('expected the call to fail');
}

interface GoogleInfo {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  userEmail: string;
  accessToken: string;
  refreshToken: string;
}

describe('sandbox: Google simulator (OAuth, Calendar)', function () {
  this.timeout(30_000);
  let running: RunningSandbox;
  let info: GoogleInfo;
  let rootUrl: string;

  const control = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${path} → ${response.status}`).to.be.lessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };

  const oauthClient = (extra: { forceRefreshOnFailure?: boolean } = {}) =>
    new OAuth2Client({
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      redirectUri: REDIRECT,
      endpoints: {
        oauth2TokenUrl: `${info.baseUrl}/token`,
        oauth2AuthBaseUrl: `${info.baseUrl}/o/oauth2/v2/auth`,
        oauth2RevokeUrl: `${info.baseUrl}/revoke`,
        tokenInfoUrl: `${info.baseUrl}/tokeninfo`,
      },
      ...extra,
    });

  /** The real consent round trip: authorize URL → 302 with a code → code exchange through the SDK. */
  async function authorize(scopes = ALL_SCOPES, extra: { forceRefreshOnFailure?: boolean } = {}) {
    const client = oauthClient(extra);
    const url = client.generateAuthUrl({ access_type: 'offline', scope: scopes, state: 'state-123' });
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).to.equal(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).to.equal(REDIRECT);
    expect(location.searchParams.get('state')).to.equal('state-123');
    const { tokens } = await client.getToken(location.searchParams.get('code') ?? '');
    client.setCredentials(tokens);
    return { client, tokens, code: location.searchParams.get('code') ?? '' };
  }

  const calendarFor = (auth: OAuth2Client) => google.calendar({ version: 'v3', auth, rootUrl, retry: false });

  before(async () => {
    running = await startSandbox({ factories: [createGoogleSimulator], port: 0, scale: 'small' });
    const vendors = (await control('/')).vendors as Record<string, GoogleInfo>;
    info = vendors.google!;
    rootUrl = `${info.baseUrl}/`;
    expect(info.baseUrl).to.equal(running.sandbox.baseUrl('google'));
  });

  after(async () => {
    await running?.close();
  });

  describe('OAuth', () => {
    it('runs the authorization-code flow: code → tokens that expire in about an hour', async () => {
      const before = Date.now();
      const { client, tokens, code } = await authorize();
      expect(tokens.access_token).to.be.a('string');
      expect(tokens.refresh_token).to.be.a('string');
      expect(tokens.token_type).to.equal('Bearer');
      expect(tokens.scope?.split(' ')).to.have.members(ALL_SCOPES);
      expect(tokens.expiry_date).to.be.within(before + 3_590_000, Date.now() + 3_600_000);
      const list = await calendarFor(client).events.list({ calendarId: 'primary', maxResults: 1 });
      expect(list.data.kind).to.equal('calendar#events');

      // Codes are single-use.
      const reused = await failure(oauthClient().getToken(code));
      expect(reused).to.deep.equal({ status: 400, data: { error: 'invalid_grant', error_description: 'Bad Request' } });
    });

    it('rejects a wrong client secret with 401 invalid_client', async () => {
      const client = new OAuth2Client({
        clientId: info.clientId,
        clientSecret: 'wrong',
        endpoints: { oauth2TokenUrl: `${info.baseUrl}/token` },
      });
      client.setCredentials({ refresh_token: info.refreshToken });
      const rejected = await failure(client.refreshAccessToken());
      expect(rejected.status).to.equal(401);
      expect(rejected.data.error).to.equal('invalid_client');
    });

    it('answers 401 authError for a bad token and 401 required without one (Google error shape)', async () => {
      const client = oauthClient();
      client.setCredentials({ access_token: 'ya29.not-a-token', expiry_date: Date.now() + 3_600_000 });
      const bad = await failure(calendarFor(client).events.list({ calendarId: 'primary' }));
      expect(bad).to.deep.equal({
        status: 401,
        data: {
          error: {
            errors: [
              {
                domain: 'global',
                reason: 'authError',
                message: 'Invalid Credentials',
                locationType: 'header',
                location: 'Authorization',
              },
            ],
            code: 401,
            message: 'Invalid Credentials',
          },
        },
      });
      const anonymous = await fetch(`${info.baseUrl}/calendar/v3/calendars/primary/events`);
      const body = (await anonymous.json()) as { error: { errors: Array<{ reason: string }>; code: number } };
      expect(anonymous.status).to.equal(401);
      expect(body.error.errors[0]!.reason).to.equal('required');
    });

    it('refuses an API outside the granted scopes with 403 insufficientPermissions', async () => {
      const { client } = await authorize(['https://www.googleapis.com/auth/calendar.readonly']);
      const gmail = google.gmail({ version: 'v1', auth: client, rootUrl, retry: false });
      const refused = await failure(gmail.users.getProfile({ userId: 'me' }));
      expect(refused.status).to.equal(403);
      expect((refused.data.error as { errors: Array<{ reason: string }> }).errors[0]!.reason).to.equal(
        'insufficientPermissions',
      );
      const insert = calendarFor(client).events.insert({
        calendarId: 'primary',
        requestBody: { start: { dateTime: '2030-01-01T10:00:00Z' }, end: { dateTime: '2030-01-01T11:00:00Z' } },
      });
      expect((await failure(insert)).status).to.equal(403);
    });

    it('refreshes after token_expiry_now (forceRefreshOnFailure) and keeps the refresh token', async () => {
      const { client, tokens } = await authorize(ALL_SCOPES, { forceRefreshOnFailure: true });
      const refreshed: Array<{ access_token?: string | null; refresh_token?: string | null }> = [];
      // Copied: the SDK adds the old refresh_token to the same object after emitting it.
      client.on('tokens', (next) => refreshed.push({ ...next }));
      await control('/faults', { vendor: 'google', auth: 'token_expiry_now' });
      const list = await calendarFor(client).events.list({ calendarId: 'primary', maxResults: 2 });
      expect(list.data.items).to.have.length(2);
      expect(refreshed).to.have.length(1);
      expect(refreshed[0]!.access_token).to.be.a('string').and.not.equal(tokens.access_token);
      // Google's refresh reply carries no refresh_token: they do not rotate.
      expect(refreshed[0]!.refresh_token).to.equal(undefined);
      expect(client.credentials.refresh_token).to.equal(tokens.refresh_token);
    });

    it('without forceRefreshOnFailure a still-dated expired token surfaces the 401', async () => {
      const { client } = await authorize();
      await control('/faults', { vendor: 'google', auth: 'token_expiry_now' });
      const rejected = await failure(calendarFor(client).events.list({ calendarId: 'primary' }));
      expect(rejected.status).to.equal(401);
      // Expiry handling: once the SDK knows the token is expired it refreshes before the call.
      client.setCredentials({ ...client.credentials, expiry_date: Date.now() - 1 });
      const list = await calendarFor(client).events.list({ calendarId: 'primary', maxResults: 1 });
      expect(list.status).to.equal(200);
    });

    it('refresh_token_revoked → invalid_grant "Token has been expired or revoked."', async () => {
      const { client } = await authorize(ALL_SCOPES, { forceRefreshOnFailure: true });
      await control('/faults', { vendor: 'google', auth: 'refresh_token_revoked' });
      await control('/faults', { vendor: 'google', auth: 'token_expiry_now' });
      const rejected = await failure(calendarFor(client).events.list({ calendarId: 'primary' }));
      expect(rejected).to.deep.equal({
        status: 400,
        data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      });
    });

    it('revoking a token through /revoke kills the whole grant', async () => {
      const { client, tokens } = await authorize();
      await client.revokeToken(tokens.access_token!);
      const api = await failure(calendarFor(client).events.list({ calendarId: 'primary' }));
      expect(api.status).to.equal(401);
      const refresh = await failure(client.refreshAccessToken());
      expect(refresh.data.error).to.equal('invalid_grant');
      expect((await failure(client.revokeToken(tokens.access_token!))).data.error).to.equal('invalid_token');
    });
  });

  describe('errors, faults and rate limits', () => {
    it('renders injected faults as Google 500 backendError', async () => {
      const { client } = await authorize();
      await control('/faults', { vendor: 'google', endpoint: '/calendar/', errorRate: 1, times: 1 });
      const broken = await failure(calendarFor(client).events.list({ calendarId: 'primary' }));
      expect(broken.status).to.equal(500);
      expect((broken.data.error as { errors: Array<{ reason: string }> }).errors[0]!.reason).to.equal('backendError');
      expect((await calendarFor(client).events.list({ calendarId: 'primary', maxResults: 1 })).status).to.equal(200);
    });

    it('enforces the per-user quota as 403 userRateLimitExceeded, or 429 when configured, only while enabled', async () => {
      for (const status of [403, 429] as const) {
        const small = await startSandbox({
          factories: [
            googleSimulator({ rateLimits: { calendar: { limit: 3, windowMs: 60_000 } }, rateLimitStatus: status }),
          ],
          port: 0,
          scale: 'small',
        });
        try {
          const smallInfo = small.simulators.get('google')!.info() as unknown as GoogleInfo;
          const client = new OAuth2Client({ clientId: smallInfo.clientId, clientSecret: smallInfo.clientSecret });
          client.setCredentials({ access_token: smallInfo.accessToken, expiry_date: Date.now() + 3_600_000 });
          const calendar = google.calendar({
            version: 'v3',
            auth: client,
            rootUrl: `${small.sandbox.baseUrl('google')}/`,
            retry: false,
          });
          for (let n = 0; n < 3; n += 1) await calendar.events.list({ calendarId: 'primary', maxResults: 1 });
          const limited = await failure(calendar.events.list({ calendarId: 'primary', maxResults: 1 }));
          expect(limited.status).to.equal(status);
          expect(limited.data).to.deep.equal({
            error: {
              errors: [
                status === 403
                  ? { domain: 'usageLimits', reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' }
                  : { domain: 'usageLimits', reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' },
              ],
              code: status,
              message: status === 403 ? 'User Rate Limit Exceeded' : 'Rate Limit Exceeded',
            },
          });
          small.sandbox.settings.rateLimits = false;
          expect((await calendar.events.list({ calendarId: 'primary', maxResults: 1 })).status).to.equal(200);
        } finally {
          await small.close();
        }
      }
    });
  });

  describe('Calendar v3', () => {
    let calendar: calendar_v3.Calendar;

    before(async () => {
      calendar = calendarFor((await authorize()).client);
    });

    async function listAll(params: calendar_v3.Params$Resource$Events$List) {
      const items: calendar_v3.Schema$Event[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      for (;;) {
        const { data } = await calendar.events.list({ ...params, ...(pageToken ? { pageToken } : {}) });
        pages += 1;
        items.push(...(data.items ?? []));
        if (!data.nextPageToken) return { items, pages, syncToken: data.nextSyncToken ?? undefined };
        // The sync token appears only on the last page.
        expect(data.nextSyncToken).to.equal(undefined);
        pageToken = data.nextPageToken;
      }
    }

    it('pages through every event, then hands out nextSyncToken on the last page', async () => {
      const expected = running.sandbox.world.calendarEvents.filter((event) => event.status !== 'cancelled');
      const { items, pages, syncToken } = await listAll({ calendarId: 'primary', maxResults: 100 });
      expect(pages).to.equal(Math.ceil(expected.length / 100));
      expect(items).to.have.length(expected.length);
      expect(new Set(items.map((item) => item.id)).size).to.equal(expected.length);
      expect(syncToken).to.be.a('string');
      const first = expected[0]!;
      const shown = items.find((item) => item.summary === first.summary && item.location === first.location)!;
      // Calendar prints RFC 3339 to the second.
      expect(shown.start?.dateTime).to.equal(new Date(first.startAt).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      expect(shown.status).to.equal('confirmed');
      expect(shown.id).to.match(/^[a-v0-9]{5,}$/);
    });

    it('syncs incrementally: a control-API change and a cancellation come back, then nothing', async () => {
      const { syncToken } = await listAll({ calendarId: 'primary', maxResults: 2500 });
      await control('/mutate', {
        entity: 'calendarEvent',
        action: 'update',
        key: 3,
        changes: { summary: 'Moved visit' },
      });
      await control('/mutate', { entity: 'calendarEvent', action: 'update', key: 4, changes: { status: 'cancelled' } });
      const changed = await listAll({ calendarId: 'primary', syncToken });
      expect(changed.items.map((item) => [item.summary === 'Moved visit', item.status])).to.have.deep.members([
        [true, 'confirmed'],
        [false, 'cancelled'],
      ]);
      const quiet = await listAll({ calendarId: 'primary', syncToken: changed.syncToken });
      expect(quiet.items).to.deep.equal([]);

      // A deleted job cancels its visit (the full listing no longer shows it, the sync does).
      const job = running.sandbox.world.calendarEvents.find(
        (event) => event.jobKey !== null && event.key > 10,
      )!.jobKey!;
      await control('/mutate', { entity: 'job', action: 'delete', key: job });
      const afterDelete = await listAll({ calendarId: 'primary', syncToken: quiet.syncToken });
      expect(afterDelete.items).to.have.length(1);
      expect(afterDelete.items[0]!.status).to.equal('cancelled');
    });

    it('rejects a sync token with restrictions (400) and a stale one (410 fullSyncRequired)', async () => {
      const { syncToken } = await listAll({ calendarId: 'primary', maxResults: 2500 });
      const restricted = await failure(
        calendar.events.list({ calendarId: 'primary', syncToken, timeMin: '2020-01-01T00:00:00Z' }),
      );
      expect(restricted.status).to.equal(400);
      expect((restricted.data.error as { errors: Array<{ reason: string }> }).errors[0]!.reason).to.equal(
        'syncTokenWithRequestRestrictions',
      );
      const stale = await failure(calendar.events.list({ calendarId: 'primary', syncToken: 'CPgarbage' }));
      expect(stale).to.deep.equal({
        status: 410,
        data: {
          error: {
            errors: [
              {
                domain: 'global',
                reason: 'fullSyncRequired',
                message: 'Sync token is no longer valid, a full sync is required.',
              },
            ],
            code: 410,
            message: 'Sync token is no longer valid, a full sync is required.',
          },
        },
      });
    });

    it('filters by timeMin/timeMax and rejects an empty range', async () => {
      const timeMin = new Date(Date.now() - 30 * 86_400_000).toISOString();
      const timeMax = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const { items } = await listAll({ calendarId: 'primary', timeMin, timeMax, maxResults: 2500 });
      const expected = running.sandbox.world.calendarEvents.filter(
        (event) =>
          event.status !== 'cancelled' && event.endAt > Date.parse(timeMin) && event.startAt < Date.parse(timeMax),
      );
      expect(items).to.have.length(expected.length).and.to.have.length.greaterThan(0);
      const empty = await failure(calendar.events.list({ calendarId: 'primary', timeMin: timeMax, timeMax: timeMin }));
      expect(empty.status).to.equal(400);
      expect((empty.data.error as { errors: Array<{ reason: string }> }).errors[0]!.reason).to.equal('timeRangeEmpty');
    });

    it('inserts an event (world + calendar_event delivery), patches it, and 404s unknown ids', async () => {
      const { syncToken } = await listAll({ calendarId: 'primary', maxResults: 2500 });
      const inserted = await calendar.events.insert({
        calendarId: 'primary',
        sendUpdates: 'all',
        requestBody: {
          summary: 'Estimate visit',
          location: '12 Oak St',
          start: { dateTime: '2030-03-04T09:00:00', timeZone: 'America/Chicago' },
          end: { dateTime: '2030-03-04T10:30:00-06:00' },
          attendees: [{ email: 'client@example.com' }],
        },
      });
      expect(inserted.data.id).to.match(/^[a-v0-9]+$/);
      expect(inserted.data.start).to.deep.equal({ dateTime: '2030-03-04T15:00:00Z', timeZone: 'America/Chicago' });
      expect(inserted.data.attendees).to.deep.equal([{ email: 'client@example.com', responseStatus: 'needsAction' }]);
      expect(running.sandbox.world.calendarEvents.at(-1)!.summary).to.equal('Estimate visit');
      const deliveries = (await control('/deliveries?vendor=google&kind=calendar_event')).deliveries as Array<{
        detail: Record<string, unknown>;
      }>;
      expect(deliveries.at(-1)!.detail).to.include({
        action: 'insert',
        eventId: inserted.data.id,
        summary: 'Estimate visit',
      });
      expect(deliveries.at(-1)!.detail.attendees).to.deep.equal(['client@example.com']);

      const patched = await calendar.events.patch({
        calendarId: 'primary',
        eventId: inserted.data.id!,
        requestBody: { summary: 'Estimate visit (rescheduled)', end: { dateTime: '2030-03-04T11:00:00-06:00' } },
      });
      expect(patched.data.summary).to.equal('Estimate visit (rescheduled)');
      expect(patched.data.end?.dateTime).to.equal('2030-03-04T17:00:00Z');
      expect(patched.data.location).to.equal('12 Oak St');
      const fetched = await calendar.events.get({ calendarId: 'primary', eventId: inserted.data.id! });
      expect(fetched.data.summary).to.equal('Estimate visit (rescheduled)');
      const changed = await listAll({ calendarId: 'primary', syncToken });
      expect(changed.items.map((item) => item.id)).to.deep.equal([inserted.data.id]);

      const missing = await failure(
        calendar.events.patch({ calendarId: 'primary', eventId: 'evt99999999', requestBody: { summary: 'x' } }),
      );
      expect(missing.status).to.equal(404);
      expect((missing.data.error as { errors: Array<{ reason: string }> }).errors[0]!.reason).to.equal('notFound');
      const noEnd = await failure(
        calendar.events.insert({ calendarId: 'primary', requestBody: { start: { dateTime: '2030-01-01T10:00:00Z' } } }),
      );
      expect(noEnd.status).to.equal(400);
    });

    it('honours a client-chosen event id: 409 duplicate on reuse (deleted too), 400 on a bad id', async () => {
      const id = `visit${'0123456789abcdefghijklmnopqrstuv'.slice(0, 20)}`;
      const body = {
        id,
        summary: 'Chosen id',
        start: { dateTime: '2030-05-01T09:00:00Z' },
        end: { dateTime: '2030-05-01T10:00:00Z' },
      };
      const inserted = await calendar.events.insert({ calendarId: 'primary', requestBody: body });
      expect(inserted.data.id).to.equal(id);
      expect(inserted.data.iCalUID).to.equal(`${id}@google.com`);
      expect((await calendar.events.get({ calendarId: 'primary', eventId: id })).data.summary).to.equal('Chosen id');
      const count = running.sandbox.world.calendarEvents.length;

      const duplicate = await failure(
        calendar.events.insert({ calendarId: 'primary', requestBody: { ...body, summary: 'Again' } }),
      );
      expect(duplicate.status).to.equal(409);
      expect(duplicate.data.error).to.deep.include({ code: 409, message: 'The requested identifier already exists.' });
      expect((duplicate.data.error as { errors: Array<{ reason: string }> }).errors[0]!.reason).to.equal('duplicate');
      expect(running.sandbox.world.calendarEvents.length).to.equal(count);

      await calendar.events.delete({ calendarId: 'primary', eventId: id });
      const afterDelete = await failure(calendar.events.insert({ calendarId: 'primary', requestBody: body }));
      expect(afterDelete.status).to.equal(409);
      // A deleted event comes back by patching its status.
      const restored = await calendar.events.patch({
        calendarId: 'primary',
        eventId: id,
        requestBody: { status: 'confirmed' },
      });
      expect(restored.data.status).to.equal('confirmed');

      // The derived id of a world event is taken as well.
      const worldEvent = await failure(
        calendar.events.insert({ calendarId: 'primary', requestBody: { ...body, id: eventId(0) } }),
      );
      expect(worldEvent.status).to.equal(409);
      for (const bad of ['ABCDEFG', 'abcd', 'with-dash', `w${'x'.repeat(10)}`]) {
        const invalid = await failure(
          calendar.events.insert({ calendarId: 'primary', requestBody: { ...body, id: bad } }),
        );
        expect(invalid.status, bad).to.equal(400);
      }
      expect(running.sandbox.world.calendarEvents.length).to.equal(count);
    });

    it("shows a job's customer as attendee through Google's copy of the customer", async () => {
      const world = running.sandbox.world;
      const event = world.calendarEvents.find((candidate) => {
        const job = candidate.jobKey === null ? undefined : world.jobs[candidate.jobKey];
        return job && world.customers[job.customerKey]?.email && !job.deletedAt;
      })!;
      const customer = world.customers[world.jobs[event.jobKey!]!.customerKey]!;
      const get = async () =>
        (await calendar.events.get({ calendarId: 'primary', eventId: eventId(event.key) })).data.attendees;
      expect((await get())?.[0]?.email).to.equal(customer.email);
      (customer.variants as Record<string, unknown>).google = { email: 'other@example.org', displayName: 'Other' };
      expect(await get()).to.deep.equal([
        { email: 'other@example.org', displayName: 'Other', responseStatus: 'needsAction' },
      ]);
      (customer.variants as Record<string, unknown>).google = { missing: true };
      expect(await get()).to.equal(undefined);
    });
  });

  describe('reset', () => {
    it('makes sync tokens from before the reset stale', async () => {
      const calendar = calendarFor((await authorize()).client);
      const { data } = await calendar.events.list({ calendarId: 'primary', maxResults: 2500 });
      await control('/reset', {});
      const stale = await failure(calendar.events.list({ calendarId: 'primary', syncToken: data.nextSyncToken! }));
      expect(stale.status).to.equal(410);
    });
  });
});
