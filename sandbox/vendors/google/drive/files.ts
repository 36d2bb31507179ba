import { createHash } from 'node:crypto';
import { current, type GoogleDeps } from '../context.js';
import { badRequest, GoogleError, notFound } from '../errors.js';
import { driveFileId, permissionIdFor } from '../ids.js';
import type { DriveFile } from '../state.js';
import { FOLDER, ROOT_ID } from './views.js';

export const fileNotFound = (id: string): GoogleError =>
  notFound(`File not found: ${id}.`, { locationType: 'parameter', location: 'fileId' });

/** A file of the current world's Drive (`root` is not a file you can read here). */
export function findFile(deps: GoogleDeps, id: string): DriveFile {
  const file = current(deps).state.files.get(id);
  if (!file) throw fileNotFound(id);
  return file;
}

interface Metadata {
  name?: unknown;
  mimeType?: unknown;
  parents?: unknown;
  description?: unknown;
  starred?: unknown;
  properties?: unknown;
  appProperties?: unknown;
}

const stringMap = (value: unknown): Record<string, string> | undefined =>
  value && typeof value === 'object'
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : undefined;

function parents(deps: GoogleDeps, value: unknown): string[] {
  if (value === undefined) return [ROOT_ID];
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string'))
    throw badRequest('Invalid parents.', 'invalid');
  // Since 2020 a file has exactly one parent.
  if (value.length > 1) {
    throw new GoogleError(403, 'cannotAddParent', 'Increasing the number of parents is not allowed.');
  }
  return (value as string[]).map((id) => {
    if (id === 'root' || id === ROOT_ID) return ROOT_ID;
    const parent = findFile(deps, id);
    if (parent.mimeType !== FOLDER) throw badRequest('The specified parent is not a folder.', 'invalid');
    return id;
  });
}

/**
 * `files.create`: metadata only, or metadata plus media. Uploaded bytes are recorded as a `file` delivery with
 * name, type, size and SHA-256, so a test can check exactly what was uploaded.
 */
export function createFile(
  deps: GoogleDeps,
  body: unknown,
  content: Buffer | null,
  mediaType: string | undefined,
): DriveFile {
  const metadata = (body ?? {}) as Metadata;
  if (metadata.name !== undefined && typeof metadata.name !== 'string') throw badRequest('Invalid name.', 'invalid');
  const { state } = current(deps);
  const now = Date.now();
  const mimeType =
    typeof metadata.mimeType === 'string' ? metadata.mimeType : (mediaType ?? 'application/octet-stream');
  if (mimeType === FOLDER && content) throw badRequest('A folder cannot have content.', 'badContent');
  state.filesMinted += 1;
  const file: DriveFile = {
    id: driveFileId(state.filesMinted),
    name: typeof metadata.name === 'string' ? metadata.name : 'Untitled',
    mimeType,
    parents: parents(deps, metadata.parents),
    ...(typeof metadata.description === 'string' ? { description: metadata.description } : {}),
    ...(stringMap(metadata.properties) ? { properties: stringMap(metadata.properties) } : {}),
    ...(stringMap(metadata.appProperties) ? { appProperties: stringMap(metadata.appProperties) } : {}),
    content: mimeType === FOLDER ? null : (content ?? Buffer.alloc(0)),
    createdTime: now,
    modifiedTime: now,
    trashed: false,
    starred: metadata.starred === true,
    version: 1,
    permissions: [
      {
        kind: 'drive#permission',
        id: permissionIdFor(deps.options.userEmail),
        type: 'user',
        role: 'owner',
        emailAddress: deps.options.userEmail,
      },
    ],
  };
  state.files.set(file.id, file);
  if (content) {
    deps.sandbox.deliveries.record('google', 'file', {
      fileId: file.id,
      name: file.name,
      mimeType: file.mimeType,
      parents: file.parents,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
  }
  return file;
}

/** `files.update` (metadata): name, description, starred, trashed, properties; parents via add/removeParents. */
export function updateFile(
  deps: GoogleDeps,
  file: DriveFile,
  body: unknown,
  addParents?: string,
  removeParents?: string,
) {
  const metadata = (body ?? {}) as Metadata & { trashed?: unknown };
  if (typeof metadata.name === 'string') file.name = metadata.name;
  if (typeof metadata.description === 'string') file.description = metadata.description;
  if (typeof metadata.starred === 'boolean') file.starred = metadata.starred;
  if (typeof metadata.trashed === 'boolean') file.trashed = metadata.trashed;
  if (stringMap(metadata.properties)) file.properties = { ...file.properties, ...stringMap(metadata.properties) };
  if (stringMap(metadata.appProperties)) {
    file.appProperties = { ...file.appProperties, ...stringMap(metadata.appProperties) };
  }
  const removed = removeParents?.split(',').filter(Boolean) ?? [];
  const kept = file.parents.filter((id) => !removed.includes(id) && !(removed.includes('root') && id === ROOT_ID));
  const added = addParents ? parents(deps, addParents.split(',').filter(Boolean)) : [];
  if (addParents || removeParents) {
    const next = [...new Set([...kept, ...added])];
    if (next.length > 1)
      throw new GoogleError(403, 'cannotAddParent', 'Increasing the number of parents is not allowed.');
    file.parents = next;
  }
  file.modifiedTime = Date.now();
  file.version += 1;
}
