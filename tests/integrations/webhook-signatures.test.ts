import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { jobberSignatureMatches } from '../../integrations/jobber/webhook.js';
import { intuitSignatureMatches, quickbooksChangesOf } from '../../integrations/quickbooks/webhook.js';
import { slackSignatureMatches, slackTimestampIsFresh } from '../../integrations/slack/webhook.js';

/*
 * Our signature checks against signatures we did not compute with them: Slack's worked example from its
 * "Verifying requests from Slack" page, and HMACs computed independently here per Jobber's and Intuit's
 * documented schemes (twilio's and SendGrid's own helpers are exercised in tests/api/webhooks-messages.test.ts).
 */

describe('webhook signature schemes', () => {
  describe("Slack's documented example", () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const timestamp = '1531420618';
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

    it('verifies the published signature, and nothing altered', () => {
      expect(slackSignatureMatches(secret, body, signature, timestamp)).to.equal(true);
      expect(slackSignatureMatches(secret, `${body}&x=1`, signature, timestamp)).to.equal(false);
      expect(slackSignatureMatches(secret, body, signature, '1531420619')).to.equal(false);
      expect(slackSignatureMatches('another-secret', body, signature, timestamp)).to.equal(false);
      expect(slackSignatureMatches(secret, body, signature.replace('v0=', 'v1='), timestamp)).to.equal(false);
    });

    it('takes the timestamp within five minutes either way, and refuses older, later or malformed ones', () => {
      const at = Number(timestamp) * 1000;
      expect(slackTimestampIsFresh(timestamp, at + 300_000)).to.equal(true);
      expect(slackTimestampIsFresh(timestamp, at - 300_000)).to.equal(true);
      expect(slackTimestampIsFresh(timestamp, at + 301_000)).to.equal(false);
      expect(slackTimestampIsFresh(timestamp, at - 301_000)).to.equal(false);
      expect(slackTimestampIsFresh('1531420618.5', at)).to.equal(false);
      expect(slackTimestampIsFresh('', at)).to.equal(false);
    });
  });

  describe('Jobber and Intuit (HMAC-SHA256 of the raw body, base64)', () => {
    const body = '{"data":{"webHookEvent":{"topic":"CLIENT_UPDATE","accountId":"A","itemId":"I"}}}';
    const mac = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('base64');

    it('verifies Jobber signatures keyed with the client secret only', () => {
      expect(jobberSignatureMatches('client-secret', body, mac('client-secret', body))).to.equal(true);
      expect(jobberSignatureMatches('client-secret', body, mac('other', body))).to.equal(false);
      expect(jobberSignatureMatches('client-secret', `${body} `, mac('client-secret', body))).to.equal(false);
      expect(jobberSignatureMatches('client-secret', body, undefined)).to.equal(false);
      expect(jobberSignatureMatches('client-secret', body, 'not base64 at all')).to.equal(false);
    });

    it('verifies intuit-signature keyed with the verifier token, over non-ASCII bodies too', () => {
      const text = '{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":[]}}],"note":"café"}';
      expect(intuitSignatureMatches('verifier', text, mac('verifier', text))).to.equal(true);
      expect(intuitSignatureMatches('verifier', text, mac('client-secret', text))).to.equal(false);
      expect(intuitSignatureMatches('', text, mac('', text))).to.equal(false);
    });

    it('reads both QuickBooks forms; a legacy change gets the same id on every redelivery', () => {
      const legacy = {
        eventNotifications: [
          {
            realmId: '9130',
            dataChangeEvent: {
              entities: [
                { name: 'Invoice', id: '12', operation: 'Update', lastUpdated: '2026-11-29T10:00:00Z' },
                { name: 'Customer', id: '3', operation: 'Merge', lastUpdated: '2026-11-29T10:00:01Z', deletedId: '4' },
              ],
            },
          },
        ],
      };
      const changes = quickbooksChangesOf(legacy);
      expect(changes.map(({ entity, entityId, operation }) => [entity, entityId, operation])).to.deep.equal([
        ['invoice', '12', 'update'],
        ['customer', '3', 'merge'],
      ]);
      expect(quickbooksChangesOf(structuredClone(legacy)).map((change) => change.eventId)).to.deep.equal(
        changes.map((change) => change.eventId),
      );
      expect(new Set(changes.map((change) => change.eventId)).size).to.equal(2);
      const [cloud] = quickbooksChangesOf([
        { id: 'ce-9', type: 'qbo.purchase.deleted.v1', intuitaccountid: '9130', intuitentityid: '77' },
      ]);
      expect(cloud).to.deep.include({ eventId: 'ce-9', realmId: '9130', entity: 'purchase', operation: 'deleted' });
    });
  });
});
