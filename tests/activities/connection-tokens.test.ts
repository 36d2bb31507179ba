import { expect } from 'chai';
import { connectionTokenSource, type RefreshOutcome } from '../../activities/connection-tokens.js';
import { createCredentialsCipher, type CredentialsCipher } from '../../db/credentials-cipher.js';
import { VendorConnection } from '../../db/entities/index.js';
import { isVendorError } from '../../integrations/core/errors.js';
import { createJobberClient } from '../../integrations/jobber/client.js';
import { createJobberOAuth } from '../../integrations/jobber/oauth.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createJobberSimulator } from '../../sandbox/vendors/jobber/index.js';
import { getHarness } from '../support/harness.js';

interface JobberInfo {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  graphqlUrl: string;
  accessToken: string;
  refreshToken: string;
}

describe('connection token source (real PostgreSQL, Jobber sandbox over HTTP)', function () {
  this.timeout(60_000);
  let running: RunningSandbox;
  let info: JobberInfo;
  let cipher: CredentialsCipher;

  before(async () => {
    running = await startSandbox({ factories: [createJobberSimulator], port: 0, scale: 'small' });
    running.sandbox.settings.rateLimits = false;
    cipher = createCredentialsCipher(getHarness().config.credentialsKey);
  });

  after(async () => {
    await running?.close();
  });

  beforeEach(async () => {
    running.reset();
    const reply = await fetch(`${running.controlUrl}/_sandbox`);
    info = ((await reply.json()) as { vendors: { jobber: JobberInfo } }).vendors.jobber;
  });

  async function storedConnection(expiresAt: number): Promise<string> {
    const em = getHarness().orm.em.fork();
    const connection = em.create(VendorConnection, {
      vendor: 'jobber',
      externalAccountId: `acct-${Math.random().toString(36).slice(2)}`,
      credentialsEncrypted: cipher.encrypt({
        accessToken: info.accessToken,
        refreshToken: info.refreshToken,
        expiresAt,
      }),
      tokenExpiresAt: new Date(expiresAt),
    });
    await em.flush();
    return connection.id;
  }

  function source(connectionId: string, outcomes: RefreshOutcome[]) {
    const oauth = createJobberOAuth({
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      tokenUrl: info.tokenUrl,
    });
    return connectionTokenSource({
      orm: getHarness().orm,
      cipher,
      connectionId,
      refresher: (refreshToken) => oauth.refreshCredentials(refreshToken),
      onRefresh: (outcome) => void outcomes.push(outcome),
    });
  }

  async function stored(connectionId: string) {
    const row = await getHarness().orm.em.fork().findOneOrFail(VendorConnection, { id: connectionId });
    return { row, credentials: cipher.decrypt(row.credentialsEncrypted!) };
  }

  it('lets eight concurrent refreshes after one 401 cause exactly one vendor refresh, persisted first', async () => {
    const connectionId = await storedConnection(Date.now() + 3_600_000);
    const outcomes: RefreshOutcome[] = [];
    const tokens = source(connectionId, outcomes);
    const rejected = await tokens.accessToken();
    // With rotation on, a second vendor refresh with the same refresh token would be refused (invalid_grant).
    const fresh = await Promise.all(Array.from({ length: 8 }, () => tokens.refresh(rejected)));
    expect(new Set(fresh).size).to.equal(1);
    expect(fresh[0]).not.to.equal(rejected);
    expect(outcomes.filter((outcome) => outcome.kind === 'refreshed')).to.have.length(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'joined')).to.have.length(7);

    const { row, credentials } = await stored(connectionId);
    expect(credentials.accessToken).to.equal(fresh[0]);
    expect(credentials.refreshToken).not.to.equal(info.refreshToken);
    expect(row.tokenExpiresAt!.getTime()).to.be.above(Date.now() + 30 * 60_000);
    const client = createJobberClient({ tokens, graphqlUrl: info.graphqlUrl });
    expect(await client.healthCheck()).to.equal(true);
  });

  it('refreshes ahead of expiry, before any call is refused', async () => {
    const connectionId = await storedConnection(Date.now() + 10_000);
    const outcomes: RefreshOutcome[] = [];
    const token = await source(connectionId, outcomes).accessToken();
    expect(token).not.to.equal(info.accessToken);
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(['refreshed']);
  });

  it('refreshes once when a token expires mid-listing and the listing carries on', async () => {
    const connectionId = await storedConnection(Date.now() + 3_600_000);
    const outcomes: RefreshOutcome[] = [];
    const client = createJobberClient({
      tokens: source(connectionId, outcomes),
      graphqlUrl: info.graphqlUrl,
      pageSize: 20,
    });
    const first = await client.list('customers');
    running.simulators.get('jobber')!.authFault!('token_expiry_now');
    const second = await client.list('customers', { cursor: first.nextCursor! });
    expect(second.items.length).to.be.above(0);
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(['refreshed']);
  });

  it('marks the connection needs_reauth when the vendor refuses the refresh token, and fails for good', async () => {
    const connectionId = await storedConnection(Date.now() + 3_600_000);
    const outcomes: RefreshOutcome[] = [];
    const client = createJobberClient({ tokens: source(connectionId, outcomes), graphqlUrl: info.graphqlUrl });
    running.simulators.get('jobber')!.authFault!('refresh_token_revoked');
    running.simulators.get('jobber')!.authFault!('token_expiry_now');
    let failure: unknown;
    try {
      await client.list('customers');
    } catch (error) {
      failure = error;
    }
    expect(isVendorError(failure, 'auth_revoked'), String(failure)).to.equal(true);
    const { row } = await stored(connectionId);
    expect(row.status).to.equal('needs_reauth');
    expect(row.lastError).to.be.a('string').and.not.equal('');
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(['revoked']);
  });
});
