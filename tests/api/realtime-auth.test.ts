import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { accessRevocations } from '../../api/auth/revocation.js';
import { signAccessToken } from '../../api/auth/tokens.js';
import { startServer, type RunningServer } from '../../api/server.js';
import type { Config } from '../../config/env.js';
import { getHarness } from '../support/harness.js';

type Outcome = { connected: true } | { connected: false; message: string; data: unknown };

describe('socket.io handshake authentication (real PostgreSQL, Redis and Temporal)', function () {
  this.timeout(60_000);

  let config: Config;
  let server: RunningServer;
  const sockets: Socket[] = [];

  /** Connects with `auth` (or none) and reports whether the handshake was let through. */
  const connect = (auth?: Record<string, unknown>): Promise<Outcome> => {
    const socket = io(`http://127.0.0.1:${server.port}`, {
      ...(auth ? { auth } : {}),
      transports: ['websocket'],
      reconnection: false,
      timeout: 5000,
    });
    sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ connected: true }));
      socket.once('connect_error', (error: Error & { data?: unknown }) =>
        resolve({ connected: false, message: error.message, data: error.data }),
      );
    });
  };

  const expectRefused = async (auth: Record<string, unknown> | undefined, what: string): Promise<void> => {
    const outcome = await connect(auth);
    expect(outcome, what).to.deep.equal({ connected: false, message: 'unauthorized', data: { code: 'unauthorized' } });
  };

  const userToken = (sessionId = randomUUID()) =>
    signAccessToken(config, { userId: randomUUID(), role: 'user', sessionId });

  before(async () => {
    config = { ...getHarness().config, port: 0 };
    server = await startServer(config, pino({ level: 'silent' }));
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  after(async () => {
    await server?.close();
  });

  it('lets a valid access token connect', async () => {
    expect(await connect({ token: userToken().token })).to.deep.equal({ connected: true });
    expect(sockets[0]!.connected).to.equal(true);
  });

  it('refuses a handshake without a token, with an empty one or with a non-string one', async () => {
    await expectRefused(undefined, 'no auth');
    await expectRefused({}, 'no token');
    await expectRefused({ token: '' }, 'empty token');
    await expectRefused({ token: 42 }, 'numeric token');
  });

  it('refuses a token that is not a JWT, or signed with another key', async () => {
    await expectRefused({ token: 'not-a-jwt' }, 'garbage');
    const { claims } = userToken();
    const forged = jwt.sign(claims, 'another-secret-of-at-least-32-characters!', {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'at+jwt' },
    });
    await expectRefused({ token: forged }, 'another key');
  });

  it('refuses an expired token', async () => {
    const { token } = signAccessToken(
      config,
      { userId: randomUUID(), role: 'user', sessionId: randomUUID() },
      new Date(Date.now() - 60 * 60 * 1000),
    );
    await expectRefused({ token }, 'expired');
  });

  it('refuses a refresh-type token signed with the right key', async () => {
    const { claims } = userToken();
    const refresh = jwt.sign({ ...claims, typ: 'refresh' }, config.jwt.secret, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'at+jwt' },
    });
    // The same claims as an access token pass, so only `typ` makes the difference.
    const access = jwt.sign(claims, config.jwt.secret, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'at+jwt' } });
    expect(await connect({ token: access })).to.deep.equal({ connected: true });
    await expectRefused({ token: refresh }, 'refresh type');
  });

  it('refuses a revoked token and the tokens of a revoked session, and still admits others', async () => {
    const revocations = accessRevocations(getHarness().redis);
    const sessionId = randomUUID();
    const revoked = userToken(sessionId);
    const sameSession = userToken(sessionId);
    const other = userToken();

    await revocations.revokeToken(revoked.claims);
    await expectRefused({ token: revoked.token }, 'revoked token');
    expect(await connect({ token: sameSession.token })).to.deep.equal({ connected: true });

    await revocations.revokeSessions([sessionId]);
    await expectRefused({ token: sameSession.token }, 'revoked session');
    expect(await connect({ token: other.token })).to.deep.equal({ connected: true });
  });
});
