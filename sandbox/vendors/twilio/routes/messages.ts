import { Router } from '@koa/router';
import type { TwilioDeps } from '../context.js';
import { notFound } from '../errors.js';
import { readForm } from '../form.js';
import { messageJson, type MessageRecord } from '../message.js';
import { validateSend } from '../validation.js';
import { listMessages } from './list.js';

/** `/2010-04-01/Accounts/{AccountSid}/Messages…` [vendor-facts §5.2]. */
export function messagesRouter(deps: TwilioDeps): Router {
  const { sandbox, options, store, lifecycle } = deps;
  const router = new Router({ prefix: '/2010-04-01/Accounts/:accountSid' });

  router.post('/Messages.json', async (ctx) => {
    const send = validateSend(await readForm(ctx), options, store);
    const now = Date.now();
    const message: MessageRecord = {
      sid: store.nextSid('outbound', send.mediaUrls.length > 0),
      direction: 'outbound-api',
      // A Messaging Service picks the sender when it queues the message; until then `from` is null.
      from: send.from,
      to: send.to,
      body: send.body,
      mediaUrls: send.mediaUrls,
      messagingServiceSid: send.messagingServiceSid,
      status: send.messagingServiceSid ? 'accepted' : 'queued',
      errorCode: null,
      errorMessage: null,
      price: null,
      dateCreated: now,
      dateUpdated: now,
      dateSent: null,
    };
    store.add(message);
    const delivery = sandbox.deliveries.record('twilio', 'sms', {
      sid: message.sid,
      to: message.to,
      from: message.from ?? options.phoneNumbers[0] ?? null,
      body: message.body,
      mediaUrls: message.mediaUrls,
      messagingServiceSid: message.messagingServiceSid,
      statusCallback: send.statusCallback ?? null,
      status: message.status,
      errorCode: null,
    });
    lifecycle.start(message, send.statusCallback, delivery);
    ctx.status = 201;
    ctx.body = messageJson(message, options.accountSid);
  });

  router.get('/Messages.json', (ctx) => {
    ctx.body = listMessages(deps, ctx.querystring);
  });

  router.get('/Messages/:sid.json', (ctx) => {
    const message = store.get(ctx.params.sid!);
    if (!message) throw notFound(ctx.path);
    ctx.body = messageJson(message, options.accountSid);
  });

  router.delete('/Messages/:sid.json', (ctx) => {
    if (!store.remove(ctx.params.sid!)) throw notFound(ctx.path);
    ctx.status = 204;
  });

  return router;
}
