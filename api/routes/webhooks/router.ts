import { Router } from '@koa/router';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { sendgridBody, sendgridReceiver } from './sendgrid.js';
import { slackBody, slackReceiver } from './slack.js';
import { twilioQuery, twilioReceiver } from './twilio.js';

/**
 * /api/webhooks (public: api/middleware/auth.ts): what vendors post to us. Each receiver checks the vendor's
 * signature first (a refusal is a 401 and a security event), then validates the input, then only signals or starts
 * a workflow, so the vendor gets its 2xx quickly.
 */
export function webhooksRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/webhooks' });
  const twilio = twilioReceiver(deps);
  const sendgrid = sendgridReceiver(deps);
  const slack = slackReceiver(deps);
  // Twilio posts a form, which validate() does not read: its fields are checked inside the receiver.
  router.post('/twilio', twilio.verify, validate({ query: twilioQuery }), twilio.receive);
  router.post('/sendgrid', sendgrid.verify, validate({ body: sendgridBody }), sendgrid.receive);
  router.post('/slack', slack.verify, validate({ body: slackBody }), slack.receive);
  return router;
}
