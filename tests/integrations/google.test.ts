import { expect } from 'chai';
import { Common } from 'googleapis';
import { VendorError } from '../../integrations/core/errors.js';
import type { ExternalCalendarEvent } from '../../integrations/core/records.js';
import type { OAuthCredentials, TokenSource } from '../../integrations/core/tokens.js';
import { createGoogleCalendarClient, type GoogleCalendarClientOptions } from '../../integrations/google/client.js';
import { toVendorError } from '../../integrations/google/errors.js';
import { googleOAuth, type GoogleOAuth } from '../../integrations/google/oauth.js';
import { eventId } from '../../sandbox/vendors/google/ids.js';
import { createGoogleSimulator, googleSimulator } from '../../sandbox/vendors/google/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

/*
 * The Google Calendar service client against the Google simulator over real HTTP: listing, incremental sync,
 * token refresh through a TokenSource, error kinds, and the OAuth helpers.
 */

const REDIRECT = 'http://127.0.0.1:9/oauth/google/callback';

interface GoogleInfo {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  userEmail: string;
  accessToken: string;
  refreshToken: string;
}

/** What the activity layer will do, in memory: hand out the token, refresh once per rejected token. */
class MemoryTokenSource implements TokenSource {
  refreshes = 0;
  constructor(
    public credentials: OAuthCredentials,
    private readonly oauth: GoogleOAuth,
  ) {}
  async accessToken(): Promise<string> {
    return this.credentials.accessToken;
  }
  async refresh(rejected: string): Promise<string> {
    if (rejected !== this.credentials.accessToken) return this.credentials.accessToken;
    this.refreshes += 1;
    this.credentials = await this.oauth.refreshCredentials(this.credentials.refreshToken ?? '');
    return this.credentials.accessToken;
  }
}

async function kindOf(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(VendorError);
    return error as VendorError;
  }
  throw new Error('expected the call to fail');
}

describe('integrations: Google Calendar client', function () {
  this.timeout(60_000);
  let running: RunningSandbox;
  let info: GoogleInfo;
  let oauth: GoogleOAuth;

  const control = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${running.controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${path} → ${response.status}`).to.be.lessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };

  const fault = (rule: Record<string, unknown>) => control('/faults', { vendor: 'google', ...rule });

  /** The consent round trip: authorize URL → the sandbox's 302 with a code → exchangeCode. */
  async function connect() {
    const url = oauth.authorizeUrl({ redirectUri: REDIRECT, state: 'st-42' });
    const redirect = await fetch(url, { redirect: 'manual' });
    expect(redirect.status).to.equal(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).to.equal(REDIRECT);
    expect(location.searchParams.get('state')).to.equal('st-42');
    return oauth.exchangeCode({ code: location.searchParams.get('code') ?? '', redirectUri: REDIRECT });
  }

  async function clientWithTokens(extra: Partial<GoogleCalendarClientOptions> = {}) {
    const tokens = new MemoryTokenSource((await connect()).credentials, oauth);
    const client = createGoogleCalendarClient({ tokens, rootUrl: `${info.baseUrl}/`, pageSize: 100, ...extra });
    return { client, tokens };
  }

  /** Every page of a full pass (no checkpoint) or an incremental one (from `checkpoint`). */
  async function drainChanges(client: ReturnType<typeof createGoogleCalendarClient>, checkpoint?: string) {
    const items: ExternalCalendarEvent[] = [];
    const deletedIds: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.changes('calendarEvents', { checkpoint, cursor });
      pages += 1;
      items.push(...page.items);
      deletedIds.push(...page.deletedIds);
      if (page.nextCursor === null) return { items, deletedIds, pages, checkpoint: page.checkpoint };
      expect(page.checkpoint).to.equal(null);
      cursor = page.nextCursor;
    }
  }

  const liveEvents = () => running.sandbox.world.calendarEvents.filter((event) => event.status !== 'cancelled');

  before(async () => {
    running = await startSandbox({ factories: [createGoogleSimulator], port: 0, scale: 'small' });
    info = ((await control('/')).vendors as Record<string, GoogleInfo>).google!;
    oauth = googleOAuth({
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      authorizeEndpoint: `${info.baseUrl}/o/oauth2/v2/auth`,
      tokenEndpoint: `${info.baseUrl}/token`,
      tokenInfoEndpoint: `${info.baseUrl}/tokeninfo`,
    });
  });

  after(async () => {
    await running?.close();
  });

  afterEach(async () => {
    await fetch(`${running.controlUrl}/_sandbox/faults`, { method: 'DELETE' });
  });

  describe('OAuth', () => {
    it('authorize URL → redirect → exchangeCode gives credentials and the account email', async () => {
      const { credentials, account } = await connect();
      expect(account.externalAccountId).to.equal(info.userEmail);
      expect(credentials.accessToken).to.be.a('string').and.not.equal('');
      expect(credentials.refreshToken).to.be.a('string').and.not.equal('');
      expect(credentials.expiresAt).to.be.greaterThan(Date.now() + 3_000_000);
      const url = new URL(oauth.authorizeUrl({ redirectUri: REDIRECT, state: 's' }));
      expect(url.searchParams.get('access_type')).to.equal('offline');
    });

    it('refreshCredentials keeps the refresh token (Google does not rotate) and a used code is a validation error', async () => {
      const { credentials } = await connect();
      const refreshed = await oauth.refreshCredentials(credentials.refreshToken!);
      expect(refreshed.accessToken).to.not.equal(credentials.accessToken);
      expect(refreshed.refreshToken).to.equal(credentials.refreshToken);
      const bad = await kindOf(oauth.exchangeCode({ code: 'not-a-code', redirectUri: REDIRECT }));
      expect(bad.kind).to.equal('validation');
      expect(bad.details.code).to.equal('invalid_grant');
    });
  });

  describe('listing', () => {
    it('list() pages through exactly the live events of the calendar', async () => {
      const { client } = await clientWithTokens();
      const items: ExternalCalendarEvent[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.list('calendarEvents', { cursor });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      const expected = liveEvents();
      expect(pages)
        .to.equal(Math.ceil(expected.length / 100))
        .and.to.be.greaterThan(1);
      expect(items.map((item) => item.externalId)).to.have.members(expected.map((event) => eventId(event.key)));
      const sample = expected[7]!;
      const shown = items.find((item) => item.externalId === eventId(sample.key))!;
      expect(shown).to.include({
        summary: sample.summary,
        description: sample.description,
        location: sample.location,
        startAt: new Date(Math.floor(sample.startAt / 1000) * 1000).toISOString(),
        endAt: new Date(Math.floor(sample.endAt / 1000) * 1000).toISOString(),
        status: sample.status,
        updatedAt: new Date(sample.updatedAt).toISOString(),
      });
      expect(await client.healthCheck()).to.equal(true);
    });

    it('get() returns one event, and null for an unknown id', async () => {
      const { client } = await clientWithTokens();
      const event = liveEvents()[3]!;
      expect((await client.get('calendarEvents', eventId(event.key)))?.summary).to.equal(event.summary);
      expect(await client.get('calendarEvents', 'evt99999999')).to.equal(null);
    });

    it('keeps an all-day event as dates and lists attendees', async () => {
      const { client, tokens } = await clientWithTokens();
      const response = await fetch(`${info.baseUrl}/calendar/v3/calendars/primary/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokens.accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          summary: 'Closed for inventory',
          start: { date: '2030-03-04' },
          end: { date: '2030-03-05' },
          attendees: [{ email: 'crew@example.com' }],
        }),
      });
      const { id } = (await response.json()) as { id: string };
      expect(await client.get('calendarEvents', id)).to.deep.include({
        summary: 'Closed for inventory',
        description: null,
        startAt: '2030-03-04',
        endAt: '2030-03-05',
        attendeeEmails: ['crew@example.com'],
      });
    });
  });

  describe('incremental sync', () => {
    it('reports exactly the created, updated and deleted events, then nothing', async () => {
      const { client } = await clientWithTokens();
      const full = await drainChanges(client);
      expect(full.items).to.have.length(liveEvents().length);
      expect(full.deletedIds).to.deep.equal([]);
      expect(full.checkpoint).to.be.a('string');

      const created = (await control('/mutate', {
        entity: 'calendarEvent',
        action: 'create',
        changes: { summary: 'New estimate visit', status: 'confirmed' },
      })) as { change: { key: number } };
      const [updated, deleted] = liveEvents().slice(5, 7);
      await control('/mutate', {
        entity: 'calendarEvent',
        action: 'update',
        key: updated!.key,
        changes: { summary: 'Moved visit' },
      });
      // Calendar deletions are cancellations; the control API has no hard delete for events.
      await control('/mutate', {
        entity: 'calendarEvent',
        action: 'update',
        key: deleted!.key,
        changes: { status: 'cancelled' },
      });

      const changes = await drainChanges(client, full.checkpoint!);
      expect(changes.items.map((item) => [item.externalId, item.summary])).to.have.deep.members([
        [eventId(created.change.key), 'New estimate visit'],
        [eventId(updated!.key), 'Moved visit'],
      ]);
      expect(changes.deletedIds).to.deep.equal([eventId(deleted!.key)]);
      expect(changes.checkpoint).to.be.a('string').and.not.equal(full.checkpoint);

      const quiet = await drainChanges(client, changes.checkpoint!);
      expect(quiet).to.deep.include({ items: [], deletedIds: [], pages: 1 });
      expect(quiet.checkpoint).to.be.a('string');
    });

    it('pages an incremental pass with the cursor alone', async () => {
      const { client } = await clientWithTokens();
      const { checkpoint } = await drainChanges(client);
      for (const key of [10, 11, 12]) {
        await control('/mutate', { entity: 'calendarEvent', action: 'update', key, changes: { summary: `S${key}` } });
      }
      const first = await client.changes('calendarEvents', { checkpoint: checkpoint!, pageSize: 2 });
      expect(first.items).to.have.length(2);
      expect(first.checkpoint).to.equal(null);
      const second = await client.changes('calendarEvents', { cursor: first.nextCursor! });
      expect(second.items.map((item) => item.summary)).to.have.length(1);
      expect(second.nextCursor).to.equal(null);
      expect(second.checkpoint).to.be.a('string');
    });

    it('a stale checkpoint is resync_required (HTTP 410)', async () => {
      const { client } = await clientWithTokens();
      const error = await kindOf(client.changes('calendarEvents', { checkpoint: 'CPstale' }));
      expect(error.kind).to.equal('resync_required');
      expect(error.details.status).to.equal(410);
    });
  });

  describe('errors', () => {
    it('token expiry mid-listing → one refresh, then success', async () => {
      const { client, tokens } = await clientWithTokens();
      const first = await client.list('calendarEvents', {});
      await fault({ auth: 'token_expiry_now' });
      const second = await client.list('calendarEvents', { cursor: first.nextCursor! });
      expect(second.items).to.have.length.greaterThan(0);
      expect(tokens.refreshes).to.equal(1);
      // The refreshed token stays in use: no further refreshes.
      await client.list('calendarEvents', {});
      expect(tokens.refreshes).to.equal(1);
    });

    it('a revoked refresh token → auth_revoked', async () => {
      const { client } = await clientWithTokens();
      await fault({ auth: 'refresh_token_revoked' });
      await fault({ auth: 'token_expiry_now' });
      const error = await kindOf(client.list('calendarEvents', {}));
      expect(error.kind).to.equal('auth_revoked');
      expect(error.retryable).to.equal(false);
      expect(await client.healthCheck()).to.equal(false);
    });

    it('a 500 → transient; a malformed body → transient; a hung request → transient after the timeout', async () => {
      const { client } = await clientWithTokens({ timeoutMs: 500 });
      await fault({ endpoint: '/calendar/', errorRate: 1, times: 1 });
      const broken = await kindOf(client.list('calendarEvents', {}));
      expect(broken).to.deep.include({ kind: 'transient' });
      expect(broken.details).to.include({ status: 500, code: 'backendError' });

      await fault({ endpoint: '/calendar/', malformedRate: 1, times: 1 });
      const garbled = await kindOf(client.list('calendarEvents', {}));
      expect(garbled.kind).to.equal('transient');
      expect(garbled.message).to.match(/malformed reply/);

      await fault({ endpoint: '/calendar/', hang: true, times: 1 });
      expect((await kindOf(client.list('calendarEvents', {}))).kind).to.equal('transient');
      expect((await client.list('calendarEvents', {})).items).to.have.length(100);
    });

    it('a garbled cursor → validation', async () => {
      const { client } = await clientWithTokens();
      expect((await kindOf(client.list('calendarEvents', { cursor: 'garbage' }))).kind).to.equal('validation');
    });

    it('throttling (403 userRateLimitExceeded) → rate_limited with a backoff', async () => {
      const { client } = await clientWithTokens({ rateLimitBackoffMs: 7_000 });
      await fault({ endpoint: '/calendar/', throttleRate: 1, times: 1 });
      const error = await kindOf(client.list('calendarEvents', {}));
      expect(error).to.deep.include({ kind: 'rate_limited' });
      expect(error.details).to.include({ status: 403, code: 'userRateLimitExceeded', retryAfterMs: 7_000 });
    });

    it('the per-user quota as 429 → rate_limited with a positive retryAfterMs', async () => {
      const small = await startSandbox({
        factories: [
          googleSimulator({ rateLimits: { calendar: { limit: 2, windowMs: 60_000 } }, rateLimitStatus: 429 }),
        ],
        port: 0,
        scale: 'small',
      });
      try {
        const published = small.simulators.get('google')!.info() as unknown as GoogleInfo;
        const client = createGoogleCalendarClient({
          tokens: published.accessToken,
          rootUrl: `${small.sandbox.baseUrl('google')}/`,
          pageSize: 1,
        });
        await client.list('calendarEvents');
        await client.list('calendarEvents');
        const error = await kindOf(client.list('calendarEvents'));
        expect(error.kind).to.equal('rate_limited');
        expect(error.details.status).to.equal(429);
        expect(error.details.retryAfterMs).to.be.greaterThan(0);
      } finally {
        await small.close();
      }
    });

    it('reads Retry-After when Google sends one', () => {
      const response = Object.assign(new Response('{}', { status: 429, headers: { 'retry-after': '42' } }), {
        data: { error: { code: 429, message: 'Rate Limit Exceeded', errors: [{ reason: 'rateLimitExceeded' }] } },
        config: {},
      });
      const error = toVendorError(
        new Common.GaxiosError('Rate Limit Exceeded', {} as never, response as never),
      ) as VendorError;
      expect(error.kind).to.equal('rate_limited');
      expect(error.details.retryAfterMs).to.equal(42_000);
    });
  });
});
