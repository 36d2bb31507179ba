import type { Server as HttpServer } from 'node:http';
import { Server, type ExtendedError } from 'socket.io';
import type { Logger } from 'pino';
import type { Config } from '../../config/env.js';
import { verifyAccessToken } from '../middleware/auth.js';
import type { AccessTokenClaims } from '../state.js';

export interface SocketData {
  user: AccessTokenClaims;
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
 * `auth: { token: <accessToken> }`, verified exactly as koa-jwt verifies a bearer token.
 */
export function createRealtime(
  server: HttpServer,
  config: Config,
  logger: Logger,
): Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData> {
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(server, {
    cors: { origin: [...config.corsOrigins] },
  });
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token === '') return next(unauthorized());
    try {
      socket.data.user = verifyAccessToken(token, config);
    } catch {
      return next(unauthorized());
    }
    return next();
  });
  io.on('connection', (socket) => {
    const userId = socket.data.user.sub;
    void socket.join(userRoom(userId));
    logger.debug({ userId, socketId: socket.id }, 'socket connected');
  });
  return io;
}
