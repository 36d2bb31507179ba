import { createHash } from 'node:crypto';
import { permissionIdFor } from '../ids.js';
import type { DriveFile, Permission } from '../state.js';
import { checkKnown, parseFields, type FieldTree } from './fields.js';

export const FOLDER = 'application/vnd.google-apps.folder';
/** The user's My Drive root; `root` is its alias. */
export const ROOT_ID = '0ASandboxMyDriveRootUk9PVA';

export const FILE_FIELDS = [
  'kind',
  'id',
  'name',
  'mimeType',
  'description',
  'starred',
  'trashed',
  'parents',
  'properties',
  'appProperties',
  'spaces',
  'version',
  'webViewLink',
  'webContentLink',
  'createdTime',
  'modifiedTime',
  'owners',
  'ownedByMe',
  'shared',
  'permissions',
  'permissionIds',
  'md5Checksum',
  'sha1Checksum',
  'sha256Checksum',
  'size',
  'quotaBytesUsed',
  'fileExtension',
  'fullFileExtension',
  'originalFilename',
] as const;

const digest = (algorithm: string, content: Buffer) => createHash(algorithm).update(content).digest('hex');

export function permissionResource(permission: Permission): Record<string, unknown> {
  return { ...permission };
}

/** The full Drive v3 File resource; replies show only the default fields unless `fields` asks for more. */
export function fileResource(file: DriveFile, userEmail: string): Record<string, unknown> {
  const isFolder = file.mimeType === FOLDER;
  const extension = /\.([^.]+)$/.exec(file.name)?.[1];
  const content = file.content;
  return {
    kind: 'drive#file',
    id: file.id,
    name: file.name,
    mimeType: file.mimeType,
    ...(file.description !== undefined ? { description: file.description } : {}),
    starred: file.starred,
    trashed: file.trashed,
    parents: file.parents,
    ...(file.properties ? { properties: file.properties } : {}),
    ...(file.appProperties ? { appProperties: file.appProperties } : {}),
    spaces: ['drive'],
    version: String(file.version),
    webViewLink: isFolder
      ? `https://drive.google.com/drive/folders/${file.id}`
      : `https://drive.google.com/file/d/${file.id}/view?usp=drivesdk`,
    ...(isFolder ? {} : { webContentLink: `https://drive.google.com/uc?id=${file.id}&export=download` }),
    createdTime: new Date(file.createdTime).toISOString(),
    modifiedTime: new Date(file.modifiedTime).toISOString(),
    owners: [
      {
        kind: 'drive#user',
        displayName: 'Sandbox Office',
        me: true,
        permissionId: permissionIdFor(userEmail),
        emailAddress: userEmail,
      },
    ],
    ownedByMe: true,
    shared: file.permissions.length > 1,
    permissions: file.permissions.map(permissionResource),
    permissionIds: file.permissions.map((permission) => permission.id),
    ...(content
      ? {
          md5Checksum: digest('md5', content),
          sha1Checksum: digest('sha1', content),
          sha256Checksum: digest('sha256', content),
          size: String(content.length),
          quotaBytesUsed: String(content.length),
          originalFilename: file.name,
          ...(extension ? { fileExtension: extension, fullFileExtension: extension } : {}),
        }
      : { quotaBytesUsed: '0' }),
  };
}

const DEFAULT_FILE: FieldTree = { kind: true, id: true, name: true, mimeType: true };

/** A `fields` parameter for a single file (`files.get`, `files.create`), validated. */
export function fileFields(fields: string | undefined): FieldTree {
  if (fields === undefined) return DEFAULT_FILE;
  const tree = parseFields(fields);
  checkKnown(tree, FILE_FIELDS, '');
  return tree;
}

/** A `fields` parameter for `files.list`, validated; without one Drive answers its default list shape. */
export function listFields(fields: string | undefined): FieldTree {
  if (fields === undefined) return { kind: true, nextPageToken: true, incompleteSearch: true, files: DEFAULT_FILE };
  const tree = parseFields(fields);
  checkKnown(tree, ['kind', 'nextPageToken', 'incompleteSearch', 'files'], '');
  checkKnown(tree.files, FILE_FIELDS, 'files/');
  return tree;
}
