import { Router } from '@koa/router';
import { syncPassRequester } from '../../../temporal/sync-pass-requests.js';
import type { AppDeps } from '../../deps.js';
import { validate } from '../../validation.js';
import { customBody, customParams, customReceiver } from './custom.js';
import { jobberBody, jobberReceiver } from './jobber.js';
import { quickbooksBody, quickbooksReceiver } from './quickbooks.js';
import { sendgridBody, sendgridReceiver } from './sendgrid.js';
import { slackBody, slackReceiver } from './slack.js';
import { twilioQuery, twilioReceiver } from './twilio.js';

/**
 * /api/webhooks (public: api/middleware/auth.ts): what vendors and custom sources post to us. Each receiver checks
 * the vendor's signature (or a custom source's API key) first — a refusal is a 401 and a security event — then
 * validates the input, then persists, deduplicates and hands the events to workflows (inbox.ts), so the vendor
 * gets its 2xx within its deadline and the work happens in the workflows.
 */
export function webhooksRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/webhooks' });
  const twilio = twilioReceiver(deps);
  const sendgrid = sendgridReceiver(deps);
  const slack = slackReceiver(deps);
  // One requester for both: events of one sync share its signals however they arrive.
  const requestPass = syncPassRequester(() => ({
    client: deps.temporal.client,
    taskQueue: deps.config.temporal.taskQueue,
  }));
  const jobber = jobberReceiver(deps, requestPass);
  const quickbooks = quickbooksReceiver(deps, requestPass);
  const custom = customReceiver(deps);
  // Twilio posts a form, which validate() does not read: its fields are checked inside the receiver.
  router.post('/twilio', twilio.verify, validate({ query: twilioQuery }), twilio.receive);
  router.post('/sendgrid', sendgrid.verify, validate({ body: sendgridBody }), sendgrid.receive);
  router.post('/slack', slack.verify, validate({ body: slackBody }), slack.receive);
  router.post('/jobber', jobber.verify, validate({ body: jobberBody }), jobber.receive);
  router.post('/quickbooks', quickbooks.verify, validate({ body: quickbooksBody }), quickbooks.receive);
  router.post(
    '/custom/:source',
    validate({ params: customParams }),
    custom.authenticate,
    validate({ body: customBody }),
    custom.receive,
  );
  return router;
}
