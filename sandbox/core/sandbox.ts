import type Koa from 'koa';
import type { DeliveryLog } from './deliveries.js';
import type { FaultBook } from './faults.js';
import type { WebhookSender } from './webhooks.js';
import type { World } from './world.js';

export const SANDBOX_VENDORS = ['jobber', 'quickbooks', 'google', 'slack', 'twilio', 'sendgrid', 'airtable'] as const;
export type SandboxVendor = (typeof SANDBOX_VENDORS)[number];

/** A change to the world made through the control API (`POST /_sandbox/mutate`); vendors turn it into webhooks. */
export interface WorldChange {
  entity:
    | 'customer'
    | 'job'
    | 'quote'
    | 'invoice'
    | 'payment'
    | 'expense'
    | 'calendarEvent'
    | 'email'
    | 'slackMessage'
    | 'slackReaction'
    | 'sms';
  action: 'create' | 'update' | 'delete';
  /** The record changed; for `slackReaction`, the Slack message reacted to. */
  key: number;
  /** For `sms` (inbound): the message the customer sent; for `slackReaction`: `{ name, user }`. */
  payload?: Record<string, unknown>;
}

/** Settings the control API can change at run time. */
export interface SandboxSettings {
  /** Vendor rate limits enforced (true by default; benchmarks turn them off). */
  rateLimits: boolean;
  /** Where each vendor sends its webhooks (the app's receiver); none configured → no webhooks are sent. */
  webhookUrls: Partial<Record<SandboxVendor, string>>;
}

/** What every vendor simulator gets: the shared world and the sandbox's services. */
export interface Sandbox {
  /** Replaced on reset; always read it through this property, never keep a reference. */
  world: World;
  readonly faults: FaultBook;
  readonly deliveries: DeliveryLog;
  readonly webhooks: WebhookSender;
  readonly settings: SandboxSettings;
  /** Base URL of a vendor's server (known once the servers listen). */
  baseUrl(vendor: SandboxVendor): string;
}

/**
 * One vendor simulator. Each is served by its own HTTP server on its own port (Google's SDK drops any path in
 * its root URL, so every vendor gets the root of a port).
 */
export interface VendorSimulator {
  readonly vendor: SandboxVendor;
  /** The Koa app that speaks the vendor's protocol. */
  readonly app: Koa;
  /**
   * What an app needs to connect, shown in `GET /_sandbox` next to the base URL: client ids and secrets, API keys,
   * webhook signing keys and verifier tokens, ready-made tokens. Sandbox secrets only.
   */
  info(): Record<string, unknown>;
  /** The world was regenerated: drop per-vendor state that referred to the old one. */
  reset?(): void;
  /** Control-API auth faults: every access token expires now, or every refresh token is revoked. */
  authFault?(kind: AuthFault): void;
  /** A control-API change happened; send this vendor's webhooks for it (if a URL is configured). */
  onChange?(change: WorldChange): Promise<void>;
}

export const AUTH_FAULTS = ['token_expiry_now', 'refresh_token_revoked'] as const;
export type AuthFault = (typeof AUTH_FAULTS)[number];

export type VendorFactory = (sandbox: Sandbox) => VendorSimulator;
