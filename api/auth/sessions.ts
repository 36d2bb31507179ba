import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/env.js';
import { RefreshToken, User } from '../../db/entities/index.js';
import { recordSecurityEvent } from '../../db/repositories/security-events.js';
import { AppError } from '../errors.js';
import type { ClientInfo } from './client-info.js';
import { decoyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { createRefreshToken, hashRefreshToken, liveFamiliesOf, newFamilyId, revokeFamilies } from './refresh-tokens.js';
import { accessRevocations, type AccessRevocations } from './revocation.js';
import { signAccessToken } from './tokens.js';
import { publicUser, type PublicUser } from './public-user.js';
import type { Realtime } from '../realtime/io.js';
import { announceSecurityEvent } from '../realtime/security-alerts.js';

/** Consecutive failed logins after which an account locks; each further failure doubles the lock. */
export const LOCKOUT_THRESHOLD = 5;
const FIRST_LOCK_MINUTES = 15;
const MAX_LOCK_MINUTES = 24 * 60;

/** What login and refresh answer (contracts: accessToken, refreshToken, expiresIn, user). */
export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: PublicUser;
}

function invalidCredentials(): AppError {
  // One answer for an unknown email, a wrong password, a locked or a deactivated account: no enumeration.
  return new AppError('invalid_credentials', 401, 'Invalid email or password');
}

function invalidRefreshToken(): AppError {
  return new AppError('invalid_refresh_token', 401, 'Refresh token is invalid, expired or revoked; sign in again');
}

/** Lock length after the n-th consecutive failure: 15 min at the threshold, doubling, capped at a day. */
export function lockMinutesAfter(failures: number): number {
  if (failures < LOCKOUT_THRESHOLD) return 0;
  return Math.min(FIRST_LOCK_MINUTES * 2 ** (failures - LOCKOUT_THRESHOLD), MAX_LOCK_MINUTES);
}

export class SessionService {
  private readonly revocations: AccessRevocations;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: Config,
    redis: Redis,
    /** Ended sessions' sockets are disconnected on every API instance. */
    private readonly sockets: Pick<Realtime, 'endSessions' | 'announce'>,
  ) {
    this.revocations = accessRevocations(redis);
  }

  /** Denies the sessions' access tokens, then disconnects their sockets (which would otherwise live until expiry). */
  private async revokeSessions(sessionIds: string[], reason: 'logout' | 'revoked'): Promise<void> {
    await this.revocations.revokeSessions(sessionIds);
    this.sockets.endSessions(sessionIds, reason);
  }

  private issue(em: EntityManager, user: User, familyId: string, client: ClientInfo, now: Date) {
    const refresh = createRefreshToken(em, user, familyId, client, now);
    const access = signAccessToken(this.config, { userId: user.id, role: user.role, sessionId: familyId }, now);
    const session: IssuedSession = {
      accessToken: access.token,
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      user: publicUser(user, now),
    };
    return { session, refreshRow: refresh.row };
  }

  /** Counts a failed password check against the account, atomically, and locks it past the threshold. */
  private async recordFailure(em: EntityManager, user: User, client: ClientInfo, reason: string): Promise<void> {
    const [row] = await em
      .getConnection()
      .execute<Array<{ failed_login_count: number }>>(
        'update users set failed_login_count = failed_login_count + 1 where id = ? returning failed_login_count',
        [user.id],
      );
    const failures = row?.failed_login_count ?? LOCKOUT_THRESHOLD;
    const minutes = lockMinutesAfter(failures);
    const base = { userId: user.id, email: user.email, ip: client.ip, userAgent: client.userAgent };
    await recordSecurityEvent(em, { ...base, type: 'login_failed', details: { reason, failures } });
    if (minutes > 0) {
      const lockedUntil = new Date(Date.now() + minutes * 60_000);
      await em.nativeUpdate(User, { id: user.id }, { lockedUntil });
      const locked = {
        ...base,
        type: 'account_locked' as const,
        details: { failures, lockedUntil: lockedUntil.toISOString(), minutes },
      };
      await recordSecurityEvent(em, locked);
      announceSecurityEvent(this.sockets, locked);
    }
  }

  async login(emailInput: string, password: string, client: ClientInfo): Promise<IssuedSession> {
    const em = this.orm.em.fork();
    const email = emailInput.trim().toLowerCase();
    const now = new Date();
    const user = await em.findOne(User, { email });
    if (!user) {
      await verifyPassword(password, await decoyPasswordHash());
      await recordSecurityEvent(em, {
        type: 'login_failed',
        email,
        ip: client.ip,
        userAgent: client.userAgent,
        details: { reason: 'unknown_email' },
      });
      throw invalidCredentials();
    }
    const matches = await verifyPassword(password, user.passwordHash);
    const refusal = !user.active ? 'inactive' : user.lockedUntil && user.lockedUntil > now ? 'locked' : null;
    if (refusal) {
      const event = { userId: user.id, email, ip: client.ip, userAgent: client.userAgent };
      await recordSecurityEvent(em, { ...event, type: 'login_failed', details: { reason: refusal } });
      throw invalidCredentials();
    }
    if (!matches) {
      await this.recordFailure(em, user, client, 'wrong_password');
      throw invalidCredentials();
    }

    user.failedLoginCount = 0;
    user.lockedUntil = null;
    user.lastLoginAt = now;
    if (needsRehash(user.passwordHash)) user.passwordHash = await hashPassword(password);
    const { session } = this.issue(em, user, newFamilyId(), client, now);
    await em.flush();
    await recordSecurityEvent(em, { type: 'login_succeeded', userId: user.id, email, ip: client.ip });
    return session;
  }

  /**
   * Rotates a refresh token (RFC 9700 §4.14.2). The row is locked, so of concurrent refreshes of one token
   * exactly one rotates it; the others then find it rotated moments ago and get 409 without harm to the session.
   * A rotated token presented later is a replay: the whole family is revoked and a critical event recorded.
   */
  async refresh(token: string, client: ClientInfo): Promise<IssuedSession> {
    const now = new Date();
    const graceMs = this.config.auth.refreshReuseGraceSeconds * 1000;
    type Outcome =
      | { kind: 'issued'; session: IssuedSession }
      | { kind: 'invalid' }
      | { kind: 'race'; userId: string }
      | { kind: 'reuse'; userId: string; familyId: string; revoked: number };

    const outcome = await this.orm.em.fork().transactional(async (em): Promise<Outcome> => {
      const row = await em.findOne(
        RefreshToken,
        { tokenHash: hashRefreshToken(token) },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!row) return { kind: 'invalid' };
      const userId = row.user.id;
      if (row.revokedAt) {
        const rotated = row.replacedBy !== null && row.replacedBy !== undefined;
        if (rotated && now.getTime() - row.revokedAt.getTime() <= graceMs) return { kind: 'race', userId };
        if (!rotated) return { kind: 'invalid' };
        const revoked = await revokeFamilies(em, [row.familyId], now);
        return { kind: 'reuse', userId, familyId: row.familyId, revoked };
      }
      if (row.expiresAt <= now) return { kind: 'invalid' };
      const user = await em.findOneOrFail(User, { id: userId });
      if (!user.active) {
        await revokeFamilies(em, [row.familyId], now);
        return { kind: 'invalid' };
      }
      const { session, refreshRow } = this.issue(em, user, row.familyId, client, now);
      row.revokedAt = now;
      row.replacedBy = ref(refreshRow);
      return { kind: 'issued', session };
    });

    const em = this.orm.em.fork();
    const event = { ip: client.ip, userAgent: client.userAgent };
    switch (outcome.kind) {
      case 'issued':
        return outcome.session;
      case 'invalid':
        throw invalidRefreshToken();
      case 'race':
        await recordSecurityEvent(em, { ...event, type: 'refresh_token_race', userId: outcome.userId });
        throw new AppError(
          'refresh_token_rotated',
          409,
          'This refresh token was just rotated by a concurrent request; use the tokens that request received',
        );
      case 'reuse': {
        await this.revokeSessions([outcome.familyId], 'revoked');
        const reuse = {
          ...event,
          type: 'refresh_token_reuse' as const,
          userId: outcome.userId,
          details: { sessionId: outcome.familyId, revokedTokens: outcome.revoked },
        };
        await recordSecurityEvent(em, reuse);
        announceSecurityEvent(this.sockets, reuse);
        throw invalidRefreshToken();
      }
    }
  }

  /** Ends one session: its refresh-token family and every access token issued in it (this one included). */
  async logout(claims: { sub: string; sid: string; jti: string; exp: number }, client: ClientInfo): Promise<void> {
    const em = this.orm.em.fork();
    const now = new Date();
    await revokeFamilies(em, [claims.sid], now);
    await this.revocations.revokeToken(claims, now);
    await this.revokeSessions([claims.sid], 'logout');
    await recordSecurityEvent(em, { type: 'logout', userId: claims.sub, ip: client.ip, userAgent: client.userAgent });
  }

  /**
   * Ends every session of a user except `keep`: refresh tokens revoked in PostgreSQL, their access tokens
   * denied through Redis. Used after a password change, a role change and a deactivation.
   */
  async endSessions(em: EntityManager, userId: string, keep?: string): Promise<number> {
    const now = new Date();
    const families = await liveFamiliesOf(em, userId, now, keep);
    await revokeFamilies(em, families, now);
    await this.revokeSessions(families, 'revoked');
    return families.length;
  }

  /** Changes one's own password; a wrong current password counts as a failed login. Other sessions end. */
  async changePassword(
    actor: { userId: string; sessionId: string },
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<{ endedSessions: number }> {
    const em = this.orm.em.fork();
    const user = await em.findOne(User, { id: actor.userId });
    if (!user || !user.active) throw new AppError('unauthorized', 401, 'Missing or invalid access token');
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      await this.recordFailure(em, user, client, 'password_change');
      throw new AppError('current_password_incorrect', 403, 'The current password is not correct');
    }
    user.passwordHash = await hashPassword(newPassword);
    user.passwordChangedAt = new Date();
    user.failedLoginCount = 0;
    await em.flush();
    const endedSessions = await this.endSessions(em, user.id, actor.sessionId);
    await recordSecurityEvent(em, {
      type: 'password_changed',
      userId: user.id,
      ip: client.ip,
      userAgent: client.userAgent,
      details: { endedSessions, by: 'self' },
    });
    return { endedSessions };
  }
}
