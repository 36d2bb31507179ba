import { randomBytes } from 'node:crypto';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds */
  expiresIn: number;
  expiresAt: number;
}

interface AccessRecord {
  expiresAt: number;
  /** Whatever the vendor needs to know about the grant (realm, scopes, …). */
  subject: string;
}

/**
 * OAuth grants of one vendor: access tokens with an expiry, refresh tokens that (optionally) rotate, a used
 * refresh token that dies, and the control API's faults "token expiry now" and "refresh token revoked".
 */
export class TokenStore {
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    public accessTtlSeconds: number,
    private readonly rotateRefreshTokens: boolean,
  ) {}

  private token(kind: string): string {
    return `${this.prefix}-${kind}-${randomBytes(24).toString('hex')}`;
  }

  /** A fresh grant (authorization-code exchange, or a long-lived token handed out by the sandbox). */
  issue(subject: string, now = Date.now()): IssuedTokens {
    const accessToken = this.token('at');
    const refreshToken = this.token('rt');
    const expiresAt = now + this.accessTtlSeconds * 1000;
    this.access.set(accessToken, { expiresAt, subject });
    this.refresh.set(refreshToken, subject);
    return { accessToken, refreshToken, expiresIn: this.accessTtlSeconds, expiresAt };
  }

  /** Registers an access token minted elsewhere (a JWT, for Jobber) under the same rules. */
  register(accessToken: string, subject: string, expiresAt: number): void {
    this.access.set(accessToken, { expiresAt, subject });
  }

  /** Exchanges a refresh token; null when it is unknown, already used (rotation) or revoked. */
  refreshGrant(refreshToken: string, now = Date.now()): IssuedTokens | null {
    const subject = this.refresh.get(refreshToken);
    if (subject === undefined) return null;
    const accessToken = this.token('at');
    const expiresAt = now + this.accessTtlSeconds * 1000;
    this.access.set(accessToken, { expiresAt, subject });
    let next = refreshToken;
    if (this.rotateRefreshTokens) {
      this.refresh.delete(refreshToken);
      next = this.token('rt');
      this.refresh.set(next, subject);
    }
    return { accessToken, refreshToken: next, expiresIn: this.accessTtlSeconds, expiresAt };
  }

  /** 'valid', 'expired' or 'unknown'; `subject` is set for a valid token. */
  check(accessToken: string, now = Date.now()): { state: 'valid' | 'expired' | 'unknown'; subject?: string } {
    const record = this.access.get(accessToken);
    if (!record) return { state: 'unknown' };
    if (record.expiresAt <= now) return { state: 'expired' };
    return { state: 'valid', subject: record.subject };
  }

  /** Fault: every access token issued so far expires now. */
  expireAllAccessTokens(now = Date.now()): void {
    for (const record of this.access.values()) record.expiresAt = Math.min(record.expiresAt, now - 1);
  }

  /** Fault: every refresh token dies (the user disconnected the app). */
  revokeAllRefreshTokens(): void {
    this.refresh.clear();
  }

  revokeAccessToken(accessToken: string): void {
    this.access.delete(accessToken);
  }
}
