import { randomBytes } from 'node:crypto';
import { TokenStore, type IssuedTokens } from '../../core/tokens.js';

/** Every scope the sandbox knows; the token published in `info()` carries them all. */
export const SCOPES = {
  calendar: 'https://www.googleapis.com/auth/calendar',
  calendarReadonly: 'https://www.googleapis.com/auth/calendar.readonly',
  calendarEvents: 'https://www.googleapis.com/auth/calendar.events',
  calendarEventsReadonly: 'https://www.googleapis.com/auth/calendar.events.readonly',
  mail: 'https://mail.google.com/',
  gmailReadonly: 'https://www.googleapis.com/auth/gmail.readonly',
  gmailModify: 'https://www.googleapis.com/auth/gmail.modify',
  gmailSend: 'https://www.googleapis.com/auth/gmail.send',
  gmailCompose: 'https://www.googleapis.com/auth/gmail.compose',
  gmailLabels: 'https://www.googleapis.com/auth/gmail.labels',
  drive: 'https://www.googleapis.com/auth/drive',
  driveFile: 'https://www.googleapis.com/auth/drive.file',
  driveReadonly: 'https://www.googleapis.com/auth/drive.readonly',
} as const;

export interface Grant {
  id: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  offline: boolean;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;

/**
 * Google OAuth grants on top of the core TokenStore (refresh tokens do not rotate). The store's subject is a
 * grant id; revoking any token of a grant revokes the whole grant, as Google's `/revoke` does.
 */
export class GoogleGrants {
  readonly tokens: TokenStore;
  private readonly grants = new Map<string, Grant>();
  private readonly refreshOwners = new Map<string, string>();
  private readonly codes = new Map<string, AuthorizationCode>();

  constructor(accessTtlSeconds: number) {
    this.tokens = new TokenStore('ya29.sandbox', accessTtlSeconds, false);
  }

  issue(clientId: string, scopes: string[], offline = true): IssuedTokens & { grant: Grant } {
    const grant: Grant = { id: randomBytes(8).toString('hex'), clientId, scopes, revoked: false };
    this.grants.set(grant.id, grant);
    const issued = this.tokens.issue(grant.id);
    if (offline) this.refreshOwners.set(issued.refreshToken, grant.id);
    return { ...issued, grant };
  }

  newCode(code: Omit<AuthorizationCode, 'expiresAt'>): string {
    const value = `4/0Sandbox${randomBytes(24).toString('base64url')}`;
    this.codes.set(value, { ...code, expiresAt: Date.now() + CODE_TTL_MS });
    return value;
  }

  /** Codes are single-use and expire after ten minutes. */
  takeCode(value: string): AuthorizationCode | null {
    const code = this.codes.get(value);
    this.codes.delete(value);
    return code && code.expiresAt > Date.now() ? code : null;
  }

  /** The grant of a refresh token, or null when the token is unknown or revoked. */
  refreshing(refreshToken: string): Grant | null {
    const grant = this.grants.get(this.refreshOwners.get(refreshToken) ?? '');
    return grant && !grant.revoked ? grant : null;
  }

  /** The grant of a valid access token; 'invalid' for unknown, expired or revoked ones. */
  authenticate(accessToken: string): Grant | 'invalid' {
    const checked = this.tokens.check(accessToken);
    if (checked.state !== 'valid') return 'invalid';
    const grant = this.grants.get(checked.subject ?? '');
    return grant && !grant.revoked ? grant : 'invalid';
  }

  /** Control-API fault: the user disconnected the app; every refresh token dies. */
  revokeAllRefreshTokens(): void {
    this.tokens.revokeAllRefreshTokens();
    this.refreshOwners.clear();
  }

  /** `/revoke`: an access or refresh token; false when it is unknown. */
  revoke(token: string): boolean {
    const byRefresh = this.refreshing(token);
    const byAccess = byRefresh ?? this.authenticate(token);
    if (byAccess === 'invalid') return false;
    byAccess.revoked = true;
    this.tokens.revokeAccessToken(token);
    return true;
  }
}
