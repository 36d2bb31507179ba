import { Router } from '@koa/router';
import Koa from 'koa';
import type { Sandbox, VendorFactory, VendorSimulator } from '../../core/sandbox.js';
import { filterMessages } from './activity.js';
import { authenticate, requireScope, type AuthState } from './auth.js';
import { MESSAGES, renderBody, renderErrors, SendgridError } from './errors.js';
import { EventBatcher, EventSigner } from './event-webhook.js';
import { mailSend, SendState } from './mail-send.js';
import { resolveOptions, type SendgridOptions } from './options.js';
import { rateLimit, RateLimiter } from './rate-limit.js';

export type { SendgridOptions } from './options.js';

export interface SendgridSimulator extends VendorSimulator {
  /** Posts the events batched so far now, instead of at the end of the batch window (tests, demos). */
  flushEvents(): Promise<void>;
}

/** Email Activity "Filter all messages" [DOC]. */
const ACTIVITY_PATH = '/v3/messages';

/**
 * SendGrid v3 Mail Send, the signed Event Webhook and the Email Activity feed (`GET /v3/messages`). Point
 * `@sendgrid/mail` at it with `sgMail.setApiKey(info.apiKey)` and then
 * `sgMail.client.setDefaultRequest('baseUrl', baseUrl + '/')` (setApiKey resets the base URL, so the order matters).
 */
export function createSendgridSimulator(sandbox: Sandbox, overrides: SendgridOptions = {}): SendgridSimulator {
  const options = resolveOptions(overrides);
  const settings = () => options;
  const signer = new EventSigner(options.eventWebhookPrivateKeyPem);
  const events = new EventBatcher(sandbox, settings, signer);
  const limiter = new RateLimiter((path) =>
    path.startsWith(ACTIVITY_PATH) ? options.activityRateLimit : options.rateLimit,
  );
  const state = new SendState();

  const router = new Router<AuthState>();
  router.post('/v3/mail/send', requireScope('mail.send'), mailSend({ sandbox, options: settings, state, events }));
  router.get(
    ACTIVITY_PATH,
    requireScope('email_activity.read'),
    filterMessages(() => state.activity),
  );
  router.get('/v3/scopes', (ctx) => {
    ctx.body = { scopes: ctx.state.scopes };
  });
  router.get('/v3/user/webhooks/event/settings/signed', requireScope('user.webhooks.event.settings.read'), (ctx) => {
    ctx.body = { public_key: signer.publicKey };
  });

  const app = new Koa<AuthState>();
  app.use(
    sandbox.faults.middleware('sendgrid', {
      serverError: (ctx) => renderBody(ctx, 500, [{ field: null, message: MESSAGES.internal }]),
      throttled: (ctx) => {
        ctx.set(limiter.exhausted(ctx.path));
        renderBody(ctx, 429, [{ field: null, message: MESSAGES.tooManyRequests }]);
      },
    }),
  );
  app.use(renderErrors);
  app.use(authenticate(settings));
  app.use(rateLimit(limiter, () => sandbox.settings.rateLimits));
  app.use(router.routes());
  app.use((ctx) => {
    const known = router.match(ctx.path, ctx.method).path.length > 0;
    throw known
      ? new SendgridError(405, [{ field: null, message: MESSAGES.methodNotAllowed }])
      : new SendgridError(404, [{ field: null, message: MESSAGES.notFound }]);
  });

  const keyWith = (mailSendScope: boolean) =>
    Object.entries(options.apiKeys).find(([, scopes]) => scopes.includes('mail.send') === mailSendScope)?.[0] ?? null;

  return {
    vendor: 'sendgrid',
    app: app as unknown as Koa,
    info: () => ({
      apiKey: keyWith(true),
      restrictedApiKey: keyWith(false),
      apiKeyScopes: options.apiKeys,
      twilioEmailUsername: options.twilioEmailAuth.username,
      twilioEmailPassword: options.twilioEmailAuth.password,
      eventWebhookPublicKey: signer.publicKey,
      verifiedSenders: options.verifiedSenders,
      eventOutcomes: {
        bounce: options.bounceAddresses.source,
        dropped: options.dropAddresses.source,
        deferred: options.deferAddresses.source,
      },
      eventBatchWindowMs: options.eventBatchWindowMs,
      activityRateLimit: options.activityRateLimit,
    }),
    reset: () => {
      state.reset();
      limiter.clear();
      events.clear();
    },
    flushEvents: () => events.flush(),
  };
}

createSendgridSimulator satisfies VendorFactory;

/** A factory with options (small limits, short batch windows and retry delays for tests). */
export function sendgridSimulatorWith(options: SendgridOptions): VendorFactory {
  return (sandbox) => createSendgridSimulator(sandbox, options);
}
