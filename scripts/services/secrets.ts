import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets of the embedded stack, generated on first start and kept in DATA_DIR so restarts keep data readable. */
export interface LocalSecrets {
  jwtSecret: string;
  credentialsKey: string;
  postgresPassword: string;
  redisPassword: string;
  /** Password of the sandbox-mode demo users when DEMO_PASSWORD is not given. */
  demoPassword: string;
}

const generate = (): LocalSecrets => ({
  jwtSecret: randomBytes(48).toString('base64url'),
  credentialsKey: randomBytes(32).toString('hex'),
  postgresPassword: randomBytes(18).toString('hex'),
  redisPassword: randomBytes(18).toString('hex'),
  demoPassword: `demo-${randomBytes(12).toString('base64url')}`,
});

export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  mkdirSync(dataDir, { recursive: true });
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  const secrets = { ...generate(), ...stored };
  if (Object.keys(stored).length < Object.keys(secrets).length) {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

/** Fresh secrets that never touch the disk, for the test stack. */
export const ephemeralSecrets = generate;
