import { Router } from '@koa/router';
import type { TwilioDeps } from '../context.js';
import { rfc2822 } from '../message.js';

/** `GET /2010-04-01/Accounts/{AccountSid}.json`: what apps call to check credentials. Field list UNVERIFIED. */
export function accountRouter({ sandbox, options }: TwilioDeps): Router {
  const router = new Router();
  router.get('/2010-04-01/Accounts/:accountSid.json', (ctx) => {
    const created = rfc2822(sandbox.world.generatedAt);
    const uri = `/2010-04-01/Accounts/${options.accountSid}`;
    ctx.body = {
      auth_token: options.authToken,
      date_created: created,
      date_updated: created,
      friendly_name: 'Sandbox account',
      owner_account_sid: options.accountSid,
      sid: options.accountSid,
      status: 'active',
      subresource_uris: { messages: `${uri}/Messages.json` },
      type: 'Full',
      uri: `${uri}.json`,
    };
  });
  return router;
}
