import type { Context } from 'koa';
import type { Sandbox } from '../../../core/sandbox.js';
import type { SlackMessage } from '../../../core/world.js';
import type { Caller, SlackAuth } from '../auth.js';
import { SlackApiError } from '../errors.js';
import type { SlackRateLimitOptions, SlackSimulatorOptions } from '../options.js';
import type { Args } from '../request.js';
import type { SlackState } from '../state.js';

export interface MethodCall {
  ctx: Context;
  sandbox: Sandbox;
  state: SlackState;
  auth: SlackAuth;
  options: SlackSimulatorOptions;
  args: Args;
  /** Null only for methods that authenticate the app rather than a token (oauth.v2.access). */
  caller: Caller | null;
  /** The app posted a message: Slack echoes it to the app's Events subscription. */
  posted(message: SlackMessage): void;
}

export type Tier = keyof Omit<SlackRateLimitOptions, 'faultRetryAfterSeconds'>;

export interface SlackMethod {
  tier: Tier;
  /** The scope a token needs (`missing_scope` otherwise). */
  scope?: string;
  /** No token needed: the method authenticates the app with its client id and secret. */
  public?: boolean;
  /** What the rate limit counts per (default: the method); chat.postMessage counts per channel. */
  rateKey?(args: Args): string;
  run(call: MethodCall): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export function callerOf(call: MethodCall): Caller {
  if (!call.caller) throw new SlackApiError('not_authed');
  return call.caller;
}
