import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

export const execFileAsync = promisify(execFile);

/** Full path of an executable found on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Installs Debian packages when we are root on a Debian-like machine; returns false when we cannot. */
export function aptInstall(packages: string[], log: (line: string) => void): boolean {
  if (!isRoot() || !which('apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env, stdio: 'ignore' });
  log(`installing ${packages.join(', ')} with apt-get`);
  if (install().status === 0) return true;
  spawnSync('apt-get', ['update'], { env, stdio: 'ignore' });
  return install().status === 0;
}
