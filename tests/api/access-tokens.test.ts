import {
  createHmac,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign as signWithKey,
  type KeyObject,
} from 'node:crypto';
import { Router } from '@koa/router';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import { generateApiKey } from '../../api/auth/api-keys.js';
import { accessRevocations } from '../../api/auth/revocation.js';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from '../../api/auth/tokens.js';
import { startServer, type RunningServer } from '../../api/server.js';
import type { Config } from '../../config/env.js';
import { getHarness } from '../support/harness.js';
import { call, type Reply } from '../support/api.js';

/** The one route these tests need: it answers with whoever the pipeline decided the caller is. */
function whoamiRouter(): Router {
  const router = new Router();
  router.get('/api/test/whoami', (ctx) => {
    ctx.body = { principal: ctx.state.principal };
  });
  return router;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `header.payload` and returns the base64url signature. */
type Signer = (signingInput: string) => string;

const hmac =
  (hash: 'sha256' | 'sha384' | 'sha512', key: string): Signer =>
  (input) =>
    createHmac(hash, key).update(input).digest('base64url');

const rs256 =
  (privateKey: KeyObject): Signer =>
  (input) =>
    signWithKey('sha256', Buffer.from(input), privateKey).toString('base64url');

const es256 =
  (privateKey: KeyObject): Signer =>
  (input) =>
    signWithKey('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');

/** A JWT built by hand, so nothing a library refuses to produce is out of reach. */
function craft(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer | string): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${typeof signer === 'string' ? signer : signer(input)}`;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('access tokens: what the API accepts and refuses (real PostgreSQL, Redis and Temporal)', function () {
  this.timeout(60_000);

  let config: Config;
  let server: RunningServer;
  let base: string;
  let validHeader: Record<string, unknown>;
  let rightKey: Signer;

  /** Claims of a valid access token (5 minutes left); an `undefined` override drops that claim. */
  const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const iat = nowSeconds();
    return {
      sub: randomUUID(),
      role: 'user',
      typ: 'access',
      jti: randomUUID(),
      sid: randomUUID(),
      iss: config.jwt.issuer,
      aud: config.jwt.audience,
      iat,
      exp: iat + 300,
      ...overrides,
    };
  };

  const whoami = (authorization?: string): Promise<Reply> =>
    call(base, '/api/test/whoami', { headers: authorization === undefined ? {} : { authorization } });

  const expectAccepted = async (token: string): Promise<Record<string, unknown>> => {
    const reply = await whoami(`Bearer ${token}`);
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.body.principal, reply.text).to.be.an('object');
    return reply.body.principal!;
  };

  const expectRefused = async (token: string, what = token): Promise<void> => {
    const reply = await whoami(`Bearer ${token}`);
    expect(reply.status, `${what}: ${reply.text}`).to.equal(401);
    expect(reply.body.error?.code, reply.text).to.equal('unauthorized');
    expect(reply.body.error?.message).to.be.a('string').and.not.equal('');
    expect(reply.body.error?.requestId).to.equal(reply.headers.get('x-request-id'));
    expect(reply.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(reply.body.principal).to.equal(undefined);
  };

  before(async () => {
    config = { ...getHarness().config, port: 0 };
    server = await startServer(config, pino({ level: 'silent' }), { extraRouters: [whoamiRouter()] });
    base = `http://127.0.0.1:${server.port}`;
    validHeader = { alg: 'HS256', typ: 'at+jwt' };
    rightKey = hmac('sha256', config.jwt.secret);
  });

  after(async () => {
    await server?.close();
  });

  describe('accepted', () => {
    it('a token from signAccessToken, with the principal it names', async () => {
      const userId = randomUUID();
      const sessionId = randomUUID();
      const { token } = signAccessToken(config, { userId, role: 'admin', sessionId });
      const principal = await expectAccepted(token);
      expect(principal).to.deep.equal({ kind: 'user', userId, role: 'admin', sessionId });
    });

    it('a hand-crafted HS256 token with every claim right (the control for the refusals below)', async () => {
      for (const role of ['admin', 'user', 'viewer']) {
        const payload = claims({ role });
        const principal = await expectAccepted(craft(validHeader, payload, rightKey));
        expect(principal).to.include({ kind: 'user', userId: payload.sub, role, sessionId: payload.sid });
      }
    });
  });

  describe('refused with 401 unauthorized', () => {
    it('no Authorization header, an empty bearer, or a bearer that is not a JWT', async () => {
      const missing = await whoami();
      expect(missing.status, missing.text).to.equal(401);
      expect(missing.body.error?.code).to.equal('unauthorized');
      await expectRefused('', 'empty bearer');
      await expectRefused('not-a-jwt');
    });

    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`alg "${alg}", with an empty, a bogus and a copied HS256 signature`, async () => {
        const payload = claims();
        const header = { alg, typ: 'at+jwt' };
        await expectRefused(craft(header, payload, ''), `alg ${alg}, empty signature`);
        await expectRefused(craft(header, payload, randomBytes(32).toString('base64url')), `alg ${alg}, bogus`);
        // The signature the right key makes over this very header and payload: `alg` alone must decide.
        await expectRefused(craft(header, payload, rightKey), `alg ${alg}, HS256 signature`);
      });
    }

    it('RS256 signed with a private key, and HS256 using the matching public key PEM as the HMAC secret', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const payload = claims();
      const rsToken = craft({ alg: 'RS256', typ: 'at+jwt' }, payload, rs256(privateKey));
      // A well-formed RS256 token: it verifies against its public key, so the refusal is about the algorithm.
      expect(() => jwt.verify(rsToken, publicKey, { algorithms: ['RS256'] })).to.not.throw();
      await expectRefused(rsToken, 'RS256');

      const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await expectRefused(craft(validHeader, payload, hmac('sha256', publicPem)), 'HS256 keyed with the public PEM');
    });

    it('ES256', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const token = craft({ alg: 'ES256', typ: 'at+jwt' }, claims(), es256(privateKey));
      expect(() => jwt.verify(token, publicKey, { algorithms: ['ES256'] })).to.not.throw();
      await expectRefused(token, 'ES256');
    });

    it('HS384 and HS512 with the right secret', async () => {
      const payload = claims();
      await expectRefused(craft({ alg: 'HS384', typ: 'at+jwt' }, payload, hmac('sha384', config.jwt.secret)), 'HS384');
      await expectRefused(craft({ alg: 'HS512', typ: 'at+jwt' }, payload, hmac('sha512', config.jwt.secret)), 'HS512');
    });

    it('HS256 with another key', async () => {
      await expectRefused(craft(validHeader, claims(), hmac('sha256', randomBytes(32).toString('hex'))));
    });

    it('expired, and not yet valid (nbf in the future)', async () => {
      const past = nowSeconds() - 600;
      await expectRefused(craft(validHeader, claims({ iat: past, exp: past + 300 }), rightKey), 'expired');
      await expectRefused(craft(validHeader, claims({ nbf: nowSeconds() + 120 }), rightKey), 'nbf in the future');
    });

    it('a wrong or missing audience, a wrong or missing issuer', async () => {
      await expectRefused(craft(validHeader, claims({ aud: 'someone-else' }), rightKey), 'wrong aud');
      await expectRefused(craft(validHeader, claims({ aud: undefined }), rightKey), 'missing aud');
      await expectRefused(craft(validHeader, claims({ iss: 'https://evil.example' }), rightKey), 'wrong iss');
      await expectRefused(craft(validHeader, claims({ iss: undefined }), rightKey), 'missing iss');
    });

    it('a viewer token whose payload was changed to role admin, signature kept', async () => {
      const viewer = craft(validHeader, claims({ role: 'viewer' }), rightKey);
      expect((await expectAccepted(viewer)).role).to.equal('viewer');
      const [header, payload, signature] = viewer.split('.') as [string, string, string];
      const promoted = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as object), role: 'admin' };
      await expectRefused(`${header}.${base64url(promoted)}.${signature}`, 'tampered role');
    });

    it('a refresh-type token, and header types other than at+jwt', async () => {
      await expectRefused(craft(validHeader, claims({ typ: 'refresh' }), rightKey), 'typ refresh');
      await expectRefused(craft({ alg: 'HS256', typ: 'JWT' }, claims(), rightKey), 'header typ JWT');
      await expectRefused(craft({ alg: 'HS256' }, claims(), rightKey), 'no header typ');
    });

    it('missing jti, sid, sub, iat or exp, or ids that are not UUIDs', async () => {
      for (const claim of ['jti', 'sid', 'sub']) {
        await expectRefused(craft(validHeader, claims({ [claim]: undefined }), rightKey), `missing ${claim}`);
        await expectRefused(craft(validHeader, claims({ [claim]: 'not-a-uuid' }), rightKey), `${claim} not a UUID`);
      }
      // Without exp a token would never expire; without iat its lifetime cannot be checked.
      for (const claim of ['iat', 'exp']) {
        await expectRefused(craft(validHeader, claims({ [claim]: undefined }), rightKey), `missing ${claim}`);
      }
    });

    it('a role outside admin/user/viewer', async () => {
      for (const role of ['superadmin', 'Admin', '', null, ['admin']]) {
        await expectRefused(craft(validHeader, claims({ role }), rightKey), `role ${JSON.stringify(role)}`);
      }
    });

    it('a lifetime longer than 15 minutes, even when signed with the right key', async () => {
      const iat = nowSeconds();
      // The limit itself is accepted, so the refusal is about the one extra second.
      await expectAccepted(craft(validHeader, claims({ iat, exp: iat + ACCESS_TOKEN_TTL_SECONDS }), rightKey));
      await expectRefused(craft(validHeader, claims({ iat, exp: iat + ACCESS_TOKEN_TTL_SECONDS + 1 }), rightKey));
      await expectRefused(craft(validHeader, claims({ iat, exp: iat + 365 * 24 * 3600 }), rightKey), 'a year');
    });

    it('a token issued in the future (it would outlive every revocation), or with a crit header', async () => {
      const future = nowSeconds() + 365 * 24 * 3600;
      await expectRefused(craft(validHeader, claims({ iat: future, exp: future + 900 }), rightKey), 'iat in a year');
      const soon = nowSeconds() + 5;
      await expectAccepted(craft(validHeader, claims({ iat: soon, exp: soon + 900 }), rightKey));
      await expectRefused(craft({ ...validHeader, crit: ['exp'] }, claims(), rightKey), 'crit header');
    });

    it('a revoked token, then every token of a revoked session; other tokens still pass', async () => {
      const revocations = accessRevocations(getHarness().redis);
      const sessionId = randomUUID();
      const first = signAccessToken(config, { userId: randomUUID(), role: 'user', sessionId });
      const second = signAccessToken(config, { userId: first.claims.sub, role: 'user', sessionId });
      const otherSession = signAccessToken(config, { userId: first.claims.sub, role: 'user', sessionId: randomUUID() });
      for (const { token } of [first, second, otherSession]) await expectAccepted(token);

      await revocations.revokeToken(first.claims);
      await expectRefused(first.token, 'revoked token');
      await expectAccepted(second.token);
      await expectAccepted(otherSession.token);

      await revocations.revokeSessions([sessionId]);
      await expectRefused(second.token, 'token of a revoked session');
      await expectAccepted(otherSession.token);
    });

    it('an API key that does not exist, well-formed or not', async () => {
      await expectRefused(generateApiKey().key, 'unknown API key');
      await expectRefused('bdk_nope', 'malformed API key');
    });
  });
});
