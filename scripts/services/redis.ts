import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { aptInstall, which } from './commands.js';
import { ServiceStartError, spawnService, waitUntilReady, type ManagedProcess } from './managed-process.js';
import { isPortFree } from './ports.js';

export interface LocalRedisOptions {
  dataDir: string;
  logDir: string;
  port: number;
  password: string;
  /** Append-only persistence for `npm start`; tests need none. */
  durable: boolean;
  log: (line: string) => void;
}

export interface LocalRedis {
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

function findRedisServer(log: (line: string) => void): string | undefined {
  const find = () =>
    which('redis-server') ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
  return find() ?? (aptInstall(['redis-server'], log) ? find() : undefined);
}

export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  const binary = findRedisServer(options.log);
  if (!binary) {
    throw new ServiceStartError(
      'Redis',
      "redis-server not found and could not be installed. Install Debian's `redis-server` package, or set REDIS_URL.",
    );
  }
  if (!(await isPortFree(options.port))) {
    throw new ServiceStartError(
      'Redis',
      `port ${options.port} is already in use. Stop what holds it, choose another with REDIS_PORT, or set REDIS_URL.`,
    );
  }
  const dir = join(options.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(options.port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'];
  args.push('--requirepass', options.password, '--save', '');
  args.push('--appendonly', options.durable ? 'yes' : 'no');
  const child = spawnService({ name: 'redis', command: binary, args, logDir: options.logDir });
  await waitUntilReady(child, () => answersPing(options.port, options.password), 30_000);
  return {
    url: `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`,
    process: child,
    stop: () => child.stop('SIGTERM', 10_000),
  };
}

/** Speaks just enough RESP to learn whether the server is up, without a client library in the launcher. */
function answersPing(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('+PONG')) finish(true);
      else if (reply.startsWith('-')) finish(false);
    });
    socket.once('connect', () => {
      socket.write(`AUTH ${password}\r\nPING\r\n`);
    });
  });
}
