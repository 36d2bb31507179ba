import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, execFileAsync, isRoot, which } from './commands.js';
import { ServiceStartError, spawnService, waitUntilReady, type ManagedProcess } from './managed-process.js';
import { isPortFree } from './ports.js';

export interface LocalPostgresOptions {
  /** Folder for the cluster's files; survives restarts. */
  dataDir: string;
  logDir: string;
  port: number;
  password: string;
  database: string;
  /** Tests trade durability for speed. */
  durable: boolean;
  log: (line: string) => void;
}

export interface LocalPostgres {
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
  /** Starts the same cluster again after stop() (used to prove /readyz recovers). */
  restart(): Promise<void>;
}

interface Binaries {
  dir: string;
  owner?: { uid: number; gid: number };
}

/** Debian keeps server binaries in /usr/lib/postgresql/<major>/bin, off PATH; take the newest. */
function findBinaries(log: (line: string) => void): Binaries | undefined {
  const lookup = (): string | undefined => {
    const root = '/usr/lib/postgresql';
    if (existsSync(root)) {
      const majors = readdirSync(root)
        .filter((entry) => existsSync(join(root, entry, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a));
      if (majors[0]) return join(root, majors[0], 'bin');
    }
    const onPath = which('postgres');
    return onPath ? join(onPath, '..') : undefined;
  };
  let dir = lookup();
  if (!dir && aptInstall(['postgresql'], log)) dir = lookup();
  if (!dir) return undefined;
  if (!isRoot()) return { dir };
  // initdb and postgres refuse to run as root: run them as the `postgres` account the Debian package creates.
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { dir, owner: { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } };
}

/**
 * The cluster lives under DATA_DIR unless the `postgres` account cannot reach it (a checkout under /root);
 * then it moves to a stable folder of its own, derived from DATA_DIR, so data still survives restarts.
 */
function clusterDir(dataDir: string, owner: Binaries['owner']): string {
  const preferred = join(dataDir, 'postgres');
  if (!owner) return preferred;
  mkdirSync(preferred, { recursive: true });
  chownSync(preferred, owner.uid, owner.gid);
  const probe = spawnSync('test', ['-w', preferred, '-a', '-x', preferred], { uid: owner.uid, gid: owner.gid });
  if (probe.status === 0) return preferred;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const fallback = join('/var/lib/business-dashboard', hash, 'postgres');
  mkdirSync(fallback, { recursive: true });
  chownSync(join(fallback, '..'), owner.uid, owner.gid);
  chownSync(fallback, owner.uid, owner.gid);
  rmSync(preferred, { recursive: true, force: true });
  return fallback;
}

async function initCluster(bin: Binaries, pgdata: string, password: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  const pwfile = join(pgdata, '..', `.pwfile-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (bin.owner) chownSync(pwfile, bin.owner.uid, bin.owner.gid);
  try {
    const result = spawnSync(
      join(bin.dir, 'initdb'),
      [
        '-D',
        pgdata,
        '-U',
        'postgres',
        '--auth-host=scram-sha-256',
        '--auth-local=reject',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--no-sync',
      ],
      { uid: bin.owner?.uid, gid: bin.owner?.gid, encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new ServiceStartError('PostgreSQL', `initdb failed: ${result.stderr || result.error?.message}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const bin = findBinaries(options.log);
  if (!bin) {
    throw new ServiceStartError(
      'PostgreSQL',
      "no server binaries found and they could not be installed. Install Debian's `postgresql` package " +
        '(apt-get install postgresql), or point DATABASE_URL at a running server.',
    );
  }
  if (!(await isPortFree(options.port))) {
    throw new ServiceStartError(
      'PostgreSQL',
      `port ${options.port} is already in use. Stop what holds it, choose another with PG_PORT, or set DATABASE_URL.`,
    );
  }
  const pgdata = clusterDir(options.dataDir, bin.owner);
  await initCluster(bin, pgdata, options.password);

  const launch = async (): Promise<ManagedProcess> => {
    const args = ['-D', pgdata, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1'];
    // No unix socket: the cluster is reachable over loopback TCP with a password only.
    args.push('-c', 'unix_socket_directories=');
    if (!options.durable) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    const child = spawnService({
      name: 'postgres',
      command: join(bin.dir, 'postgres'),
      args,
      logDir: options.logDir,
      uid: bin.owner?.uid,
      gid: bin.owner?.gid,
    });
    await waitUntilReady(child, () => isAcceptingConnections(bin.dir, options.port), 60_000);
    return child;
  };

  let current = await launch();
  const adminUrl = (db: string) =>
    `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${db}`;
  await createDatabaseIfMissing(bin.dir, options.port, options.password, options.database);

  return {
    url: adminUrl(options.database),
    get process() {
      return current;
    },
    // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    stop: () => current.stop('SIGINT', 30_000),
    async restart() {
      await current.stop('SIGINT', 30_000);
      current = await launch();
    },
  };
}

async function isAcceptingConnections(binDir: string, port: number): Promise<boolean> {
  try {
    await execFileAsync(join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1']);
    return true;
  } catch {
    return false;
  }
}

async function createDatabaseIfMissing(binDir: string, port: number, password: string, database: string) {
  const env = { ...process.env, PGPASSWORD: password };
  const common = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
  const { stdout } = await execFileAsync(
    join(binDir, 'psql'),
    [
      ...common,
      '-d',
      'postgres',
      '-tAc',
      `select 1 from pg_database where datname = '${database.replace(/'/g, "''")}'`,
    ],
    { env },
  );
  if (stdout.trim() === '1') return;
  await execFileAsync(join(binDir, 'createdb'), [...common, database], { env });
}
