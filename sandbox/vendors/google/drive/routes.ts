import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import { requireScope } from '../auth.js';
import { parseMultipart, readRawBody } from '../body.js';
import { current, type GoogleDeps } from '../context.js';
import { badRequest, GoogleError } from '../errors.js';
import { SCOPES } from '../grants.js';
import { decodeCursor, encodeCursor, fingerprint, intParam, stringParam } from '../paging.js';
import { parseFields, pick } from './fields.js';
import { createFile, findFile, updateFile } from './files.js';
import { createPermission } from './permissions.js';
import { parseDriveQuery } from './query.js';
import { fileFields, fileResource, listFields, ROOT_ID } from './views.js';
import type { DriveFile } from '../state.js';

const READ = [SCOPES.drive, SCOPES.driveFile, SCOPES.driveReadonly];
const WRITE = [SCOPES.drive, SCOPES.driveFile];

const ORDER_KEYS: Record<string, (file: DriveFile) => string | number> = {
  createdTime: (file) => file.createdTime,
  modifiedTime: (file) => file.modifiedTime,
  name: (file) => file.name.toLowerCase(),
  name_natural: (file) => file.name.toLowerCase(),
  folder: (file) => (file.mimeType === 'application/vnd.google-apps.folder' ? 0 : 1),
  starred: (file) => (file.starred ? 0 : 1),
};

function ordering(orderBy: string | undefined): ((a: DriveFile, b: DriveFile) => number) | null {
  if (!orderBy) return null;
  const keys = orderBy.split(',').map((part) => {
    const [name, direction] = part.trim().split(/\s+/);
    const read = ORDER_KEYS[name ?? ''];
    if (!read)
      throw new GoogleError(400, 'invalid', 'Invalid Value', { locationType: 'parameter', location: 'orderBy' });
    return { read, sign: direction?.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { read, sign } of keys) {
      const x = read(a);
      const y = read(b);
      if (x !== y) return x < y ? -sign : sign;
    }
    return 0;
  };
}

/** Drive v3: files list/get/create/update/delete, multipart and media uploads, permissions. */
export function driveRouter(deps: GoogleDeps): Router {
  const router = new Router();
  const json = bodyParser({ enableTypes: ['json'] });
  const userEmail = deps.options.userEmail;

  router.get('/drive/v3/files', (ctx) => {
    requireScope(ctx, READ);
    const { state } = current(deps);
    const query = ctx.query;
    const pageSize = intParam(query.pageSize, 'pageSize', { min: 1, max: 1000, fallback: 100 });
    const fields = listFields(stringParam(query.fields));
    const matches = parseDriveQuery(stringParam(query.q) ?? '', ROOT_ID);
    const print = fingerprint(query, ['pageToken', 'fields']);
    const pageToken = stringParam(query.pageToken);
    const offset = pageToken ? decodeCursor(pageToken, state.epoch, print).o : 0;
    const selected = [...state.files.values()].filter(matches);
    const sort = ordering(stringParam(query.orderBy));
    if (sort) selected.sort(sort);
    const page = selected.slice(offset, offset + pageSize);
    const more = offset + pageSize < selected.length;
    const list = {
      kind: 'drive#fileList',
      ...(more ? { nextPageToken: encodeCursor({ e: state.epoch, o: offset + pageSize, f: print }) } : {}),
      incompleteSearch: false,
      files: page.map((file) => fileResource(file, userEmail)),
    };
    ctx.body = pick(list, fields);
  });

  router.post('/drive/v3/files', json, (ctx) => {
    requireScope(ctx, WRITE);
    const fields = fileFields(stringParam(ctx.query.fields));
    const file = createFile(deps, ctx.request.body, null, undefined);
    ctx.body = pick(fileResource(file, userEmail), fields);
  });

  router.post('/upload/drive/v3/files', async (ctx) => {
    requireScope(ctx, WRITE);
    const fields = fileFields(stringParam(ctx.query.fields));
    const uploadType = stringParam(ctx.query.uploadType);
    const contentType = ctx.get('content-type');
    const raw = await readRawBody(ctx, deps.options.maxUploadBytes);
    let file: DriveFile;
    if (uploadType === 'media') {
      file = createFile(deps, {}, raw, contentType.split(';')[0]?.trim() || undefined);
    } else if (uploadType === 'multipart') {
      const [metadata, media] = parseMultipart(raw, contentType);
      if (!metadata || !media) throw badRequest('Multipart upload needs metadata and media parts.');
      let body: unknown;
      try {
        body = JSON.parse(metadata.body.toString('utf8') || '{}');
      } catch {
        throw badRequest('Parse Error', 'parseError');
      }
      file = createFile(deps, body, media.body, media.headers['content-type']?.split(';')[0]?.trim());
    } else {
      throw new GoogleError(400, 'badRequest', `Invalid upload type: ${uploadType ?? ''}`, {
        locationType: 'parameter',
        location: 'uploadType',
      });
    }
    ctx.body = pick(fileResource(file, userEmail), fields);
  });

  router.get('/drive/v3/files/:fileId', (ctx) => {
    requireScope(ctx, READ);
    const file = findFile(deps, ctx.params.fileId ?? '');
    if (stringParam(ctx.query.alt) === 'media') {
      if (!file.content) {
        throw new GoogleError(403, 'fileNotDownloadable', 'Only files with binary content can be downloaded.', {
          locationType: 'parameter',
          location: 'alt',
        });
      }
      ctx.type = file.mimeType;
      ctx.body = file.content;
      return;
    }
    ctx.body = pick(fileResource(file, userEmail), fileFields(stringParam(ctx.query.fields)));
  });

  router.patch('/drive/v3/files/:fileId', json, (ctx) => {
    requireScope(ctx, WRITE);
    const file = findFile(deps, ctx.params.fileId ?? '');
    const fields = fileFields(stringParam(ctx.query.fields));
    updateFile(deps, file, ctx.request.body, stringParam(ctx.query.addParents), stringParam(ctx.query.removeParents));
    ctx.body = pick(fileResource(file, userEmail), fields);
  });

  router.delete('/drive/v3/files/:fileId', (ctx) => {
    requireScope(ctx, WRITE);
    const file = findFile(deps, ctx.params.fileId ?? '');
    const { state } = current(deps);
    // Deleting a folder deletes what is in it.
    const doomed = [file.id];
    for (let index = 0; index < doomed.length; index += 1) {
      for (const child of state.files.values()) if (child.parents.includes(doomed[index]!)) doomed.push(child.id);
    }
    for (const id of doomed) state.files.delete(id);
    ctx.status = 204;
  });

  router.get('/drive/v3/files/:fileId/permissions', (ctx) => {
    requireScope(ctx, READ);
    const file = findFile(deps, ctx.params.fileId ?? '');
    const fields = stringParam(ctx.query.fields);
    const list = { kind: 'drive#permissionList', permissions: file.permissions };
    ctx.body = fields ? pick(list, parseFields(fields)) : list;
  });

  router.post('/drive/v3/files/:fileId/permissions', json, (ctx) => {
    requireScope(ctx, WRITE);
    const file = findFile(deps, ctx.params.fileId ?? '');
    const permission = createPermission(deps, ctx, file);
    const fields = stringParam(ctx.query.fields);
    ctx.body = fields ? pick(permission, parseFields(fields)) : permission;
  });

  return router;
}
