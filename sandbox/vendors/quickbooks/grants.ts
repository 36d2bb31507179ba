import { randomBytes } from 'node:crypto';
import { TokenStore, type IssuedTokens } from '../../core/tokens.js';

/**
 * The OAuth grants of the simulated Intuit app: TokenStore for expiry, rotation and the control API's auth
 * faults, plus what TokenStore does not track: which grant (connection) a token belongs to, so that revoking
 * one token disconnects that grant only, and the single-use authorization codes of the consent redirect.
 */
export class QboGrants {
  readonly tokens: TokenStore;
  private readonly grantOfRefresh = new Map<string, string>();
  private readonly revoked = new Set<string>();
  private readonly codes = new Map<string, { redirectUri: string; expiresAt: number }>();
  private counter = 0;

  constructor(
    private readonly realmId: string,
    accessTtlSeconds: number,
    rotate: boolean,
  ) {
    this.tokens = new TokenStore('qbo', accessTtlSeconds, rotate);
  }

  /** A new connection to the realm. */
  issue(now = Date.now()): IssuedTokens {
    const grant = `g${++this.counter}`;
    const issued = this.tokens.issue(`${this.realmId}|${grant}`, now);
    this.grantOfRefresh.set(issued.refreshToken, grant);
    return issued;
  }

  /** null when the refresh token is unknown, used up (rotation), revoked, or its grant was disconnected. */
  refresh(refreshToken: string, now = Date.now()): IssuedTokens | null {
    const grant = this.grantOfRefresh.get(refreshToken);
    if (grant === undefined || this.revoked.has(grant)) return null;
    const issued = this.tokens.refreshGrant(refreshToken, now);
    if (!issued) return null;
    if (issued.refreshToken !== refreshToken) this.grantOfRefresh.delete(refreshToken);
    this.grantOfRefresh.set(issued.refreshToken, grant);
    return issued;
  }

  /** The realm a valid access token may use, or why it may not. */
  check(accessToken: string, now = Date.now()): { state: 'valid' | 'expired' | 'unknown'; realmId?: string } {
    const result = this.tokens.check(accessToken, now);
    if (result.state !== 'valid') return { state: result.state };
    const [realmId, grant] = (result.subject ?? '').split('|');
    if (grant === undefined || this.revoked.has(grant)) return { state: 'unknown' };
    return { state: 'valid', realmId };
  }

  /** Intuit's revoke endpoint takes either token and ends the whole connection. */
  revoke(token: string): boolean {
    const grant = this.grantOfRefresh.get(token) ?? this.grantOfAccess(token);
    if (grant === undefined) return false;
    this.revoked.add(grant);
    this.tokens.revokeAccessToken(token);
    return true;
  }

  private grantOfAccess(token: string): string | undefined {
    const result = this.tokens.check(token);
    return result.subject?.split('|')[1];
  }

  /** The consent screen approves at once and hands back a single-use code (valid 10 minutes). */
  authorizationCode(redirectUri: string, now = Date.now()): string {
    const code = `AB11${randomBytes(20).toString('hex')}`;
    this.codes.set(code, { redirectUri, expiresAt: now + 600_000 });
    return code;
  }

  redeemCode(code: string, redirectUri: string | undefined, now = Date.now()): boolean {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    return entry !== undefined && entry.expiresAt > now && entry.redirectUri === redirectUri;
  }
}
