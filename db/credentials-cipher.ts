import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Vendor credentials are stored as AES-256-GCM ciphertext: `v1.<iv>.<tag>.<data>` in base64url.
 * GCM authenticates as well as encrypts, so a tampered or mis-keyed value fails loudly instead of decoding to junk.
 */
export interface CredentialsCipher {
  encrypt(credentials: Record<string, unknown>): string;
  decrypt(sealed: string): Record<string, unknown>;
}

export class CredentialsUnreadableError extends Error {
  constructor() {
    super('stored credentials cannot be decrypted with the configured CREDENTIALS_KEY');
    this.name = 'CredentialsUnreadableError';
  }
}

export function createCredentialsCipher(hexKey: string): CredentialsCipher {
  const key = Buffer.from(hexKey, 'hex');
  if (key.length !== 32) throw new Error('CREDENTIALS_KEY must be 32 bytes of hex');
  return {
    encrypt(credentials) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    decrypt(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new CredentialsUnreadableError();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
        return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new CredentialsUnreadableError();
      }
    },
  };
}
