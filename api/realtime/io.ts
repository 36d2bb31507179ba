import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server, type ExtendedError } from 'socket.io';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../config/env.js';
import { accessRevocations } from '../auth/revocation.js';
import { verifyAccessToken, type AccessTokenClaims } from '../auth/tokens.js';

export interface SocketData {
  user: AccessTokenClaims;
}

/** What the realtime layer needs from the API's dependencies. */
export interface RealtimeDeps {
  readonly config: Config;
  readonly redis: Redis;
  readonly logger: Logger;
}

/** The room of one user; server-side code emits a user's events (`sync.progress`, …) to it. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

function unauthorized(): ExtendedError {
  const error: ExtendedError = new Error('unauthorized');
  error.data = { code: 'unauthorized' };
  return error;
}

/**
 * socket.io on the API's own HTTP server (contracts: same port, default path). The handshake must carry
 * `auth: { token: <accessToken> }`, verified exactly as an HTTP bearer token is.
 */
export function createRealtime(
  server: HttpServer | HttpsServer,
  { config, redis, logger }: RealtimeDeps,
): Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData> {
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(server, {
    cors: { origin: [...config.corsOrigins] },
  });
  const revocations = accessRevocations(redis);
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token === '') return next(unauthorized());
    let claims: AccessTokenClaims;
    try {
      claims = verifyAccessToken(token, config);
    } catch {
      return next(unauthorized());
    }
    // A logged-out token or an ended session is refused here too; when Redis cannot say, the socket is refused.
    revocations.isRevoked(claims).then(
      (revoked) => {
        if (revoked) return next(unauthorized());
        socket.data.user = claims;
        return next();
      },
      () => next(unauthorized()),
    );
  });
  io.on('connection', (socket) => {
    const userId = socket.data.user.sub;
    void socket.join(userRoom(userId));
    logger.debug({ userId, socketId: socket.id }, 'socket connected');
  });
  return io;
}
