import type { Sandbox } from '../../core/sandbox.js';
import type { MessageLifecycle } from './lifecycle.js';
import type { ResolvedOptions } from './options.js';
import type { MessageStore } from './store.js';

/** What the Twilio routes and webhooks share. */
export interface TwilioDeps {
  sandbox: Sandbox;
  options: ResolvedOptions;
  store: MessageStore;
  lifecycle: MessageLifecycle;
}
