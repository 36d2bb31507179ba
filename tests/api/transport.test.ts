import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { expect } from 'chai';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { signAccessToken } from '../../api/auth/tokens.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { ConfigError, type Config } from '../../config/env.js';
import { getHarness } from '../support/harness.js';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

interface TlsReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  protocol: string | null;
}

/** A self-signed P-256 certificate for 127.0.0.1, valid one day, made by the openssl CLI. */
function selfSignedCertificate(dir: string, name: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { certFile, keyFile };
}

function httpsGet(port: number, path: string, tls: { ca: Buffer; maxVersion?: 'TLSv1.2' }): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, path, method: 'GET', agent: false, ...tls }, (response) => {
      const protocol = (response.socket as TLSSocket).getProtocol();
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
          protocol,
        }),
      );
    });
    request.setTimeout(5000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

/** Plain HTTP to the TLS port: resolves with the status if any answer comes back, or with the error. */
function plainHttpGet(port: number, path: string): Promise<{ status?: number; error?: Error }> {
  return new Promise((resolve) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    request.setTimeout(5000, () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve({ error }));
    request.end();
  });
}

describe('transport security: HTTPS with TLS 1.3 (real PostgreSQL, Redis and Temporal)', function () {
  this.timeout(60_000);

  const silent = pino({ level: 'silent' });
  let dir: string;
  let tls: { certFile: string; keyFile: string };
  let ca: Buffer;
  let config: Config;
  let server: RunningServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'business-dashboard-tls-'));
    tls = selfSignedCertificate(dir, 'api');
    ca = readFileSync(tls.certFile);
    config = { ...getHarness().config, port: 0, tls };
    server = await startServer(config, silent);
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers GET /healthz over TLS 1.3 with an HSTS header of at least a year, including subdomains', async () => {
    const reply = await httpsGet(server.port, '/healthz', { ca });
    expect(reply.status, reply.body).to.equal(200);
    expect(JSON.parse(reply.body)).to.deep.equal({ status: 'ok' });
    expect(reply.protocol).to.equal('TLSv1.3');

    const hsts = reply.headers['strict-transport-security'];
    expect(hsts, 'Strict-Transport-Security header').to.be.a('string');
    const directives = (hsts as string).split(';').map((directive) => directive.trim().toLowerCase());
    const maxAge = directives.find((directive) => directive.startsWith('max-age='));
    expect(maxAge, hsts).to.not.equal(undefined);
    expect(Number(maxAge!.slice('max-age='.length))).to.be.at.least(ONE_YEAR_SECONDS);
    expect(directives).to.include('includesubdomains');
  });

  it('fails the handshake of a client that offers at most TLS 1.2, and keeps serving TLS 1.3 clients', async () => {
    let failure: unknown;
    try {
      const reply = await httpsGet(server.port, '/healthz', { ca, maxVersion: 'TLSv1.2' });
      expect.fail(`a TLS 1.2 client got an answer: ${reply.status} over ${reply.protocol}`);
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error);
    // The server's alert: "tlsv1 alert protocol version" (code ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION).
    expect(`${(failure as NodeJS.ErrnoException).code} ${(failure as Error).message}`).to.match(/protocol.version/i);

    const after = await httpsGet(server.port, '/healthz', { ca });
    expect(after.status).to.equal(200);
  });

  it('does not answer 200 to plain HTTP on the TLS port', async () => {
    const reply = await plainHttpGet(server.port, '/healthz');
    // Node's TLS server drops a connection that does not open with a TLS handshake (ECONNRESET today); a 4xx
    // would do as well, anything else means the API was reachable without TLS.
    if (reply.status === undefined) expect(reply.error).to.be.instanceOf(Error);
    else expect(reply.status, 'plain HTTP must not be served').to.be.within(400, 499);
  });

  it('serves socket.io on the same TLS port (wss)', async () => {
    const { token } = signAccessToken(config, { userId: randomUUID(), role: 'user', sessionId: randomUUID() });
    const socket: Socket = io(`https://127.0.0.1:${server.port}`, {
      auth: { token },
      ca: ca.toString(),
      transports: ['websocket'],
      reconnection: false,
      timeout: 5000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      expect(socket.connected).to.equal(true);
    } finally {
      socket.close();
    }
  });

  describe('start-up with unusable TLS files', () => {
    async function startFailure(files: { certFile: string; keyFile: string }): Promise<Error> {
      try {
        const started = await startServer({ ...getHarness().config, port: 0, tls: files }, silent);
        await started.close();
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return error as Error;
      }
      return expect.fail('the server started with unusable TLS files');
    }

    it('names TLS_KEY_FILE and its path when the key file is missing', async () => {
      const missing = join(dir, 'missing.key');
      const error = await startFailure({ certFile: tls.certFile, keyFile: missing });
      expect(error.message).to.include('TLS_KEY_FILE').and.include(missing).and.include('ENOENT');
    });

    it('names TLS_CERT_FILE and its path when the certificate file is missing', async () => {
      const missing = join(dir, 'missing.crt');
      const error = await startFailure({ certFile: missing, keyFile: tls.keyFile });
      expect(error.message).to.include('TLS_CERT_FILE').and.include(missing);
    });

    it('names TLS_CERT_FILE when the certificate file is not a PEM certificate', async () => {
      const garbage = join(dir, 'garbage.crt');
      writeFileSync(garbage, 'not a certificate\n');
      const error = await startFailure({ certFile: garbage, keyFile: tls.keyFile });
      expect(error.message).to.include('TLS_CERT_FILE').and.include(garbage);
    });

    it('names TLS_KEY_FILE when the key does not belong to the certificate', async () => {
      const other = selfSignedCertificate(dir, 'other');
      const error = await startFailure({ certFile: tls.certFile, keyFile: other.keyFile });
      expect(error.message).to.include('TLS_KEY_FILE').and.include(other.keyFile).and.include(tls.certFile);
    });
  });
});
