import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pino from 'pino';
import { createUser } from '../../api/auth/users.js';
import type { AppOptions } from '../../api/app.js';
import { startServer, type RunningServer } from '../../api/server.js';
import type { Config } from '../../config/env.js';
import type { UserRole } from '../../db/entities/enums.js';
import { getHarness } from './harness.js';

/** Parsed JSON read only by assertions; chai checks every value, so `any` costs no safety here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

/** A real API server on a free port, with rate limits high enough not to interfere unless a test wants them. */
export interface TestApi {
  readonly base: string;
  readonly config: Config;
  call(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startTestApi(
  options: AppOptions & { config?: Partial<Config>; syncSchedules?: boolean } = {},
): Promise<TestApi & { server: RunningServer }> {
  const config: Config = { ...getHarness().config, port: 0, ...options.config };
  const namespace = `test-${randomUUID()}`;
  const server = await startServer(config, pino({ level: 'silent' }), {
    rateLimits: {
      global: { max: 1_000_000, namespace: `${namespace}-global` },
      auth: { max: 1_000_000, namespace: `${namespace}-auth` },
      webhooks: { max: 1_000_000, namespace: `${namespace}-webhooks` },
      ...options.rateLimits,
    },
    ...(options.extraRouters ? { extraRouters: options.extraRouters } : {}),
    // Schedules would start syncs of every connection in the database behind the test's back.
    syncSchedules: options.syncSchedules ?? false,
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    base,
    config,
    server,
    call: (path, init = {}) => call(base, path, init),
    close: () => server.close(),
  };
}

export async function call(
  base: string,
  path: string,
  { token, json, headers, ...init }: RequestInit & { token?: string; json?: unknown } = {},
): Promise<Reply> {
  const allHeaders = new Headers(headers);
  if (token) allHeaders.set('authorization', `Bearer ${token}`);
  if (json !== undefined) allHeaders.set('content-type', 'application/json');
  const response = await fetch(base + path, {
    ...init,
    headers: allHeaders,
    ...(json !== undefined ? { body: JSON.stringify(json), method: init.method ?? 'POST' } : {}),
  });
  const text = await response.text();
  let body: Reply['body'] = {};
  try {
    body = text ? (JSON.parse(text) as Reply['body']) : {};
  } catch {
    // not JSON: `text` still holds it
  }
  return { status: response.status, headers: response.headers, body, text };
}

export function expectError(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).to.equal(status);
  expect(reply.body.error?.code, reply.text).to.equal(code);
  expect(reply.body.error?.message).to.be.a('string').and.not.equal('');
  expect(reply.body.error?.requestId).to.equal(reply.headers.get('x-request-id'));
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: UserRole;
}

/** A user straight in the database (unique email), for tests that need someone to sign in. */
export async function createTestUser(role: UserRole, password = `pw-${randomUUID()}`): Promise<TestUser> {
  const email = `${role}-${randomUUID().slice(0, 8)}@example.test`;
  const user = await createUser(getHarness().orm.em.fork(), { email, password, role });
  return { id: user.id, email, password, role };
}

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export async function login(api: TestApi, user: { email: string; password: string }): Promise<Session> {
  const reply = await api.call('/api/auth/login', { json: { email: user.email, password: user.password } });
  expect(reply.status, reply.text).to.equal(200);
  return { accessToken: reply.body.accessToken as string, refreshToken: reply.body.refreshToken as string };
}
