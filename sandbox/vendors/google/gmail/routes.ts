import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { EmailMessage } from '../../../core/world.js';
import { requireScope } from '../auth.js';
import { current, type GoogleDeps } from '../context.js';
import { GoogleError, invalidParameter } from '../errors.js';
import { SCOPES } from '../grants.js';
import { messageKey } from '../ids.js';
import { decodeCursor, encodeCursor, fingerprint, intParam, listParam, stringParam } from '../paging.js';
import { parseHistoryId, presentHistoryId } from '../state.js';
import { historyResource, recordHistory, recordMatches } from './history.js';
import { createLabel, isKnownLabel, labelList, userLabelIdsNamed } from './labels.js';
import { parseSearch } from './query.js';
import { sendJson, sendUpload } from './send.js';
import { messageIdOf, messageRef, messageResource, parseFormat } from './views.js';

const READ = [SCOPES.mail, SCOPES.gmailReadonly, SCOPES.gmailModify];
const SEND = [SCOPES.mail, SCOPES.gmailModify, SCOPES.gmailSend, SCOPES.gmailCompose];
const MODIFY = [SCOPES.mail, SCOPES.gmailModify];

const LABELS = [...MODIFY, SCOPES.gmailLabels];

const entityNotFound = () =>
  new GoogleError(404, 'notFound', 'Requested entity was not found.', { status: 'NOT_FOUND' });

/** `me` or the sandbox user's own address; anyone else's mailbox is a delegation error. */
function checkUser(deps: GoogleDeps, ctx: Context): void {
  const userId = ctx.params.userId ?? '';
  if (userId === 'me' || userId.toLowerCase() === deps.options.userEmail.toLowerCase()) return;
  throw new GoogleError(403, 'forbidden', `Delegation denied for ${deps.options.userEmail}`);
}

function findMessage(deps: GoogleDeps, id: string): EmailMessage {
  const key = messageKey(id);
  if (key === null) throw new GoogleError(400, 'invalidArgument', 'Invalid id value');
  const email = deps.sandbox.world.emails[key];
  if (!email) throw entityNotFound();
  return email;
}

/** Newest first, as Gmail lists. */
const newestFirst = (a: EmailMessage, b: EmailMessage) => b.sentAt - a.sentAt || b.key - a.key;

/** Gmail v1: messages list/get/send/modify, history, profile, labels. */
export function gmailRouter(deps: GoogleDeps): Router {
  const router = new Router();
  const json = bodyParser({ enableTypes: ['json'] });
  const user = '/gmail/v1/users/:userId';

  router.get(`${user}/profile`, (ctx) => {
    requireScope(ctx, [...READ, SCOPES.gmailCompose, SCOPES.gmailSend]);
    checkUser(deps, ctx);
    const { world, state } = current(deps);
    ctx.body = {
      emailAddress: deps.options.userEmail,
      messagesTotal: world.emails.length,
      threadsTotal: new Set(world.emails.map((email) => email.threadKey)).size,
      historyId: presentHistoryId(state, world.changeCounter - 1),
    };
  });

  router.get(`${user}/labels`, (ctx) => {
    requireScope(ctx, [...READ, SCOPES.gmailLabels]);
    checkUser(deps, ctx);
    ctx.body = { labels: labelList(current(deps).state) };
  });

  router.post(`${user}/labels`, json, (ctx) => {
    requireScope(ctx, LABELS);
    checkUser(deps, ctx);
    ctx.body = { ...createLabel(current(deps).state, ctx.request.body), type: 'user' };
  });

  router.get(`${user}/messages`, (ctx) => {
    requireScope(ctx, READ);
    checkUser(deps, ctx);
    const { world, state } = current(deps);
    const query = ctx.query;
    const maxResults = intParam(query.maxResults, 'maxResults', { min: 1, max: 500, fallback: 100, clamp: true });
    const labelIds = listParam(query.labelIds);
    const search = parseSearch(stringParam(query.q) ?? '', {
      userLabelIdsNamed: (name) => userLabelIdsNamed(state, name),
      messageIdOf: (email) => messageIdOf(state, email),
    });
    const includeSpamTrash =
      stringParam(query.includeSpamTrash) === 'true' ||
      search.mentionsSpamOrTrash ||
      labelIds.some((label) => label === 'SPAM' || label === 'TRASH');
    const print = fingerprint(query);
    const pageToken = stringParam(query.pageToken);
    const offset = pageToken ? decodeCursor(pageToken, state.epoch, print).o : 0;
    const selected = world.emails
      .filter(
        (email) =>
          (includeSpamTrash || !email.labelIds.some((label) => label === 'SPAM' || label === 'TRASH')) &&
          labelIds.every((label) => email.labelIds.includes(label)) &&
          search.matches(email),
      )
      .sort(newestFirst);
    const page = selected.slice(offset, offset + maxResults);
    const more = offset + maxResults < selected.length;
    ctx.body = {
      // Gmail leaves `messages` out of an empty result.
      ...(page.length > 0 ? { messages: page.map(messageRef) } : {}),
      ...(more ? { nextPageToken: encodeCursor({ e: state.epoch, o: offset + maxResults, f: print }) } : {}),
      resultSizeEstimate: selected.length,
    };
  });

  router.get(`${user}/messages/:id`, (ctx) => {
    requireScope(ctx, READ);
    checkUser(deps, ctx);
    const email = findMessage(deps, ctx.params.id ?? '');
    const format = parseFormat(stringParam(ctx.query.format));
    ctx.body = messageResource(current(deps).state, email, format, listParam(ctx.query.metadataHeaders));
  });

  router.post(`${user}/messages/send`, json, (ctx) => {
    requireScope(ctx, SEND);
    checkUser(deps, ctx);
    const email = sendJson(deps, ctx);
    ctx.body = { ...messageRef(email), labelIds: email.labelIds };
  });

  router.post(`/upload${user}/messages/send`, async (ctx) => {
    requireScope(ctx, SEND);
    checkUser(deps, ctx);
    const email = await sendUpload(deps, ctx);
    ctx.body = { ...messageRef(email), labelIds: email.labelIds };
  });

  router.post(`${user}/messages/:id/modify`, json, (ctx) => {
    requireScope(ctx, MODIFY);
    checkUser(deps, ctx);
    const email = findMessage(deps, ctx.params.id ?? '');
    const body = (ctx.request.body ?? {}) as { addLabelIds?: unknown; removeLabelIds?: unknown };
    const add = listParam(body.addLabelIds);
    const remove = listParam(body.removeLabelIds);
    const invalid = [...add, ...remove].find((label) => !isKnownLabel(current(deps).state, label));
    if (invalid) throw new GoogleError(400, 'invalidArgument', `Invalid label: ${invalid}`);
    const labelsAdded = add.filter((label) => !email.labelIds.includes(label));
    const labelsRemoved = remove.filter((label) => email.labelIds.includes(label) && !add.includes(label));
    if (labelsAdded.length + labelsRemoved.length > 0) {
      const { world, state } = current(deps);
      email.labelIds = [...email.labelIds.filter((label) => !labelsRemoved.includes(label)), ...labelsAdded];
      email.historyId = world.changeCounter++;
      recordHistory(state, email, { labelsAdded, labelsRemoved });
    }
    ctx.body = { ...messageRef(email), labelIds: email.labelIds };
  });

  router.get(`${user}/history`, (ctx) => {
    requireScope(ctx, READ);
    checkUser(deps, ctx);
    const { world, state } = current(deps);
    const query = ctx.query;
    const start = stringParam(query.startHistoryId);
    if (start === undefined) throw invalidParameter('startHistoryId', 'Missing startHistoryId');
    const since = parseHistoryId(state, start);
    const latest = world.changeCounter - 1;
    // Out-of-date (before what is retained, or from before a reset) or unknown → 404: do a full sync [DOC].
    if (since === null || since < state.historyFloor - 1 || since > latest) throw entityNotFound();
    const maxResults = intParam(query.maxResults, 'maxResults', { min: 1, max: 500, fallback: 100, clamp: true });
    const types = listParam(query.historyTypes);
    const labelId = stringParam(query.labelId);
    const print = fingerprint(query);
    const pageToken = stringParam(query.pageToken);
    const offset = pageToken ? decodeCursor(pageToken, state.epoch, print).o : 0;
    const selected = state.history.filter((record) => record.id > since && recordMatches(record, types, labelId));
    const page = selected.slice(offset, offset + maxResults);
    const more = offset + maxResults < selected.length;
    ctx.body = {
      ...(page.length > 0
        ? { history: page.map((record) => historyResource(world, record, presentHistoryId(state, record.id))) }
        : {}),
      ...(more ? { nextPageToken: encodeCursor({ e: state.epoch, o: offset + maxResults, f: print }) } : {}),
      historyId: presentHistoryId(state, latest),
    };
  });

  return router;
}
