import Koa from 'koa';
import type { VendorFactory } from '../../core/sandbox.js';
import { basicAuth } from './auth.js';
import type { TwilioDeps } from './context.js';
import { notFound, twilioErrors, twilioFaults } from './errors.js';
import { receiveSms } from './inbound.js';
import { MessageLifecycle } from './lifecycle.js';
import { resolveOptions, type TwilioSimulatorOptions } from './options.js';
import { RateLimiter } from './rate-limit.js';
import { accountRouter } from './routes/account.js';
import { messagesRouter } from './routes/messages.js';
import { MessageStore } from './store.js';

export type { TwilioSimulatorOptions } from './options.js';

/** A Twilio simulator with non-default options (small delays and limits for tests). */
export function twilioSimulatorWith(overrides: TwilioSimulatorOptions): VendorFactory {
  return (sandbox) => {
    const options = resolveOptions(overrides);
    const store = new MessageStore(sandbox, options);
    const deps: TwilioDeps = { sandbox, options, store, lifecycle: new MessageLifecycle(sandbox, options) };
    const limiter = new RateLimiter(sandbox, options.rateLimit);
    const messages = messagesRouter(deps);
    const account = accountRouter(deps);

    const app = new Koa();
    app.use(sandbox.faults.middleware('twilio', twilioFaults));
    app.use(twilioErrors);
    app.use(basicAuth(options));
    app.use(limiter.middleware());
    app.use(account.routes());
    app.use(messages.routes());
    app.use((ctx) => {
      throw notFound(ctx.path);
    });

    return {
      vendor: 'twilio',
      app,
      info: () => ({
        accountSid: options.accountSid,
        authToken: options.authToken,
        apiKeySid: options.apiKeySid,
        apiKeySecret: options.apiKeySecret,
        phoneNumbers: options.phoneNumbers,
        messagingServiceSids: options.messagingServiceSids,
        unsubscribed: options.unsubscribed,
        failingRecipients: options.outcomes,
        webhookSigning: 'X-Twilio-Signature: base64 HMAC-SHA1 of URL + sorted params, keyed with authToken',
      }),
      reset() {
        deps.lifecycle.reset();
        store.reset();
        limiter.reset();
      },
      async onChange(change) {
        if (change.entity === 'sms') await receiveSms(deps, change);
      },
    };
  };
}

/** Twilio Programmable Messaging with the documented defaults. */
export const createTwilioSimulator: VendorFactory = twilioSimulatorWith({});
