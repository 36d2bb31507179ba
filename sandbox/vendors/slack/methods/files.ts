import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type { Sandbox } from '../../../core/sandbox.js';
import type { SlackMessage } from '../../../core/world.js';
import { SlackApiError } from '../errors.js';
import { SLACK_IDENTITY, workspaceUrl } from '../identity.js';
import { invalidArgument, optionalInt, optionalJson, optionalString, requiredString, type Args } from '../request.js';
import type { CompletedFile, SlackState } from '../state.js';
import { findChannel, findMessage } from '../views.js';
import { parseBlocks } from './chat.js';
import { nextTs } from './conversations.js';
import { callerOf, type SlackMethod } from './types.js';

/** Step 1 of the v2 upload: reserve a file id and hand out an absolute upload URL (on this server). */
export const filesGetUploadURLExternal: SlackMethod = {
  tier: 'tier4',
  scope: 'files:write',
  run(call) {
    const caller = callerOf(call);
    const filename = requiredString(call.args, 'filename');
    const length = optionalInt(call.args, 'length');
    if (length === undefined) throw invalidArgument('missing required field: length');
    if (length <= 0) throw new SlackApiError('invalid_length');
    const fileId = call.state.nextFileId();
    const token = call.state.uploadToken(fileId);
    call.state.uploads.set(token, {
      fileId,
      filename,
      length,
      altText: optionalString(call.args, 'alt_text'),
      snippetType: optionalString(call.args, 'snippet_type'),
      userId: caller.userId,
    });
    return { ok: true, upload_url: `${call.sandbox.baseUrl('slack')}/upload/v1/${token}`, file_id: fileId };
  },
};

/**
 * Step 2: the bytes, POSTed to the upload URL as multipart (one field named `body`, as the SDK sends it) or raw.
 * Slack answers 200 with plain text "OK - <bytes>".
 */
export function receiveUpload(state: SlackState, ctx: Context, token: string, raw: Buffer, args: Args): void {
  const upload = state.uploads.get(token);
  if (!upload) {
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = 'Not Found';
    return;
  }
  const field = args.body ?? args.file;
  upload.data = Buffer.isBuffer(field) ? field : ctx.is('multipart') ? Buffer.alloc(0) : raw;
  ctx.status = 200;
  ctx.type = 'text/plain';
  ctx.body = `OK - ${upload.data.length}`;
}

function fileView(file: CompletedFile, mimetype: string): Record<string, unknown> {
  const base = `${workspaceUrl().replace(/\/$/, '')}/files`;
  const extension = file.filename.includes('.') ? file.filename.split('.').pop()!.toLowerCase() : 'binary';
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.filename,
    title: file.title,
    mimetype,
    filetype: extension,
    pretty_type: extension.toUpperCase(),
    user: file.userId,
    user_team: SLACK_IDENTITY.teamId,
    editable: false,
    size: file.size,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: true,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `https://files.slack.com/files-pri/${SLACK_IDENTITY.teamId}-${file.id}/${file.filename}`,
    url_private_download: `https://files.slack.com/files-pri/${SLACK_IDENTITY.teamId}-${file.id}/download/${file.filename}`,
    permalink: `${base}/${file.userId}/${file.id}/${file.filename}`,
    comments_count: 0,
    is_starred: false,
    channels: file.channelId ? [file.channelId] : [],
    groups: [],
    ims: [],
    has_rich_preview: false,
  };
}

function mimeOf(filename: string): string {
  const types: Record<string, string> = {
    txt: 'text/plain',
    csv: 'text/csv',
    pdf: 'application/pdf',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    json: 'application/json',
  };
  return types[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

function shareMessage(sandbox: Sandbox, channelKey: number, threadTs: string | null, userId: string): SlackMessage {
  const world = sandbox.world;
  return {
    key: world.slackMessages.length,
    channelKey,
    ts: nextTs(world.slackMessages),
    threadTs,
    user: userId,
    text: '',
  };
}

/**
 * Step 3: completes the uploads, optionally sharing them to a channel (or thread) with an initial comment or
 * blocks. Each file becomes a `file` delivery; a share also becomes a message in the channel, carrying the
 * blocks. "If the initial_comment field is provided, the blocks field is ignored" [DOC: files.completeUploadExternal].
 */
export const filesCompleteUploadExternal: SlackMethod = {
  tier: 'tier4',
  scope: 'files:write',
  run(call) {
    const caller = callerOf(call);
    const world = call.sandbox.world;
    const entries = optionalJson(call.args, 'files', 'invalid_arguments');
    if (!Array.isArray(entries) || entries.length === 0) throw invalidArgument('missing required field: files');
    const channelRef = optionalString(call.args, 'channel_id') ?? optionalString(call.args, 'channels');
    const channel = channelRef === undefined ? undefined : findChannel(world, channelRef.split(',')[0]!.trim());
    const threadTs = optionalString(call.args, 'thread_ts');
    const parent = channel && threadTs !== undefined ? findMessage(world, channel, threadTs) : undefined;
    if (threadTs !== undefined && !parent) throw new SlackApiError('invalid_thread_ts');
    const comment = optionalString(call.args, 'initial_comment');
    const givenBlocks = parseBlocks(optionalJson(call.args, 'blocks', 'invalid_blocks'));
    const blocks = comment === undefined ? givenBlocks : undefined;
    const pending = entries.map((entry: { id?: unknown; title?: unknown }) => {
      const token = typeof entry?.id === 'string' ? call.state.uploadToken(entry.id) : '';
      const upload = call.state.uploads.get(token);
      if (!upload || upload.data === undefined) throw new SlackApiError('file_not_found');
      return { token, upload, title: typeof entry.title === 'string' ? entry.title : upload.filename };
    });
    const created = Math.floor(Date.now() / 1000);
    const files = pending.map(({ token, upload, title }) => {
      call.state.uploads.delete(token);
      const data = upload.data ?? Buffer.alloc(0);
      const file: CompletedFile = {
        id: upload.fileId,
        created,
        filename: upload.filename,
        title,
        size: data.length,
        userId: upload.userId,
        ...(channel ? { channelId: channel.id } : {}),
      };
      call.state.files.set(file.id, file);
      call.sandbox.deliveries.record('slack', 'file', {
        fileId: file.id,
        filename: file.filename,
        title,
        size: data.length,
        declaredLength: upload.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        preview: data.subarray(0, 200).toString('utf8'),
        channel: channel?.id ?? null,
        threadTs: threadTs ?? null,
        initialComment: comment ?? null,
        ...(blocks ? { blocks } : {}),
        user: upload.userId,
      });
      return fileView(file, mimeOf(file.filename));
    });
    if (channel) {
      const userId = caller.kind === 'bot' ? SLACK_IDENTITY.botUserId : caller.userId;
      const rootTs = parent ? (parent.threadTs ?? parent.ts) : null;
      const message = shareMessage(call.sandbox, channel.key, rootTs, userId);
      message.text = comment ?? '';
      world.slackMessages.push(message);
      call.state.extras.set(message.key, {
        fileIds: files.map((file) => String(file.id)),
        ...(blocks ? { blocks } : {}),
      });
      call.posted(message);
    }
    return { ok: true, files };
  },
};
