import { Readable } from 'node:stream';
// Drive's module alone: the package index loads every Google API (~70 MB of a worker's resident memory).
import { drive, type drive_v3 } from 'googleapis/build/src/apis/drive/index.js';
import { VendorError } from '../core/errors.js';
import type { Page } from '../core/records.js';
import { malformed, VENDOR } from './errors.js';
import { GOOGLEAPIS_ROOT_URL, googleCall, sdkOptions, type GoogleApiOptions } from './request.js';

export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  /** Bytes; null for Google Docs and folders, which have none. */
  size: number | null;
  webViewLink: string | null;
}

export interface DriveUpload {
  /** A business id (our document id), stored on the file as a private app property: findUploaded looks it up. */
  idempotencyKey: string;
  name: string;
  mimeType: string;
  data: Buffer;
  /** Default: the user's My Drive root. */
  folderId?: string;
}

export interface DriveShare {
  fileId: string;
  role: 'reader' | 'commenter' | 'writer';
  type: 'user' | 'anyone';
  /** Required for `type: 'user'`. */
  emailAddress?: string;
  /** Drive's own "shared with you" email to the user; off unless asked. */
  notify?: boolean;
}

export interface DriveClient {
  /** Uploads a new file. Not repeat-safe alone: call findUploaded first (the activity does). */
  uploadFile(upload: DriveUpload): Promise<DriveFile>;
  /** The live (untrashed) file an earlier upload with this key made; null if none. */
  findUploaded(idempotencyKey: string): Promise<DriveFile | null>;
  /** Grants the permission, or reuses an equal one already on the file. */
  shareFile(share: DriveShare): Promise<{ permissionId: string; webViewLink: string | null }>;
  listFiles(query?: { query?: string; pageToken?: string; pageSize?: number }): Promise<Page<DriveFile>>;
}

/** The app property that carries the idempotency key; app properties are private to our OAuth client [DOC]. */
export const DASHBOARD_KEY_PROPERTY = 'dashboardKey';

const FILE_FIELDS = 'id,name,mimeType,size,webViewLink';

/** A string literal in Drive's query language: `\` and `'` escaped [DOC: Drive search query terms]. */
const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function parseFile(data: unknown): DriveFile {
  const file = data as drive_v3.Schema$File | null;
  if (!file || typeof file !== 'object' || typeof file.id !== 'string' || typeof file.name !== 'string') {
    throw malformed('Drive did not return a File');
  }
  const size = file.size === undefined || file.size === null ? null : Number(file.size);
  return {
    id: file.id,
    name: file.name,
    mimeType: file.mimeType ?? 'application/octet-stream',
    size: size !== null && Number.isFinite(size) ? size : null,
    webViewLink: file.webViewLink ?? null,
  };
}

function parseFileList(data: unknown): Page<DriveFile> {
  const list = data as drive_v3.Schema$FileList | null;
  if (!list || typeof list !== 'object' || (list.files !== undefined && !Array.isArray(list.files))) {
    throw malformed('files.list did not return a FileList');
  }
  return { items: (list.files ?? []).map(parseFile), nextCursor: list.nextPageToken ?? null };
}

/** Same principal and role: sharing again would change nothing. */
function sameGrant(permission: drive_v3.Schema$Permission, share: DriveShare): boolean {
  if (permission.type !== share.type || permission.role !== share.role) return false;
  if (share.type === 'anyone') return true;
  return permission.emailAddress?.toLowerCase() === share.emailAddress?.toLowerCase();
}

/**
 * Drive v3 through googleapis: uploads tagged with the business id (Drive has no idempotency key; its own search
 * over app properties finds an upload again), shares that never add a second equal permission, and listings.
 */
export function createDriveClient(options: GoogleApiOptions): DriveClient {
  const sdk = sdkOptions(options, GOOGLEAPIS_ROOT_URL);
  const api = drive({ version: 'v3', ...sdk });
  const call = googleCall(options);

  const listFiles: DriveClient['listFiles'] = async (query = {}) => {
    const pageSize = Math.min(1000, Math.max(1, Math.floor(query.pageSize ?? 100)));
    const data = await call(
      async (auth) =>
        (
          await api.files.list({
            q: query.query ?? 'trashed = false',
            pageSize,
            fields: `nextPageToken,files(${FILE_FIELDS})`,
            ...(query.pageToken ? { pageToken: query.pageToken } : {}),
            auth,
          })
        ).data,
    );
    return parseFileList(data);
  };

  async function webViewLink(fileId: string): Promise<string | null> {
    const data = await call(async (auth) => (await api.files.get({ fileId, fields: 'webViewLink', auth })).data);
    return (data as drive_v3.Schema$File | null)?.webViewLink ?? null;
  }

  return {
    async uploadFile(upload) {
      if (!upload.idempotencyKey) throw new VendorError(VENDOR, 'validation', 'an upload needs an idempotency key');
      const data = await call(
        async (auth) =>
          (
            await api.files.create(
              {
                requestBody: {
                  name: upload.name,
                  mimeType: upload.mimeType,
                  ...(upload.folderId ? { parents: [upload.folderId] } : {}),
                  appProperties: { [DASHBOARD_KEY_PROPERTY]: upload.idempotencyKey },
                },
                // googleapis' multipart writer pipes a stream; a Buffer body is not accepted there.
                media: { mimeType: upload.mimeType, body: Readable.from([upload.data]) },
                fields: FILE_FIELDS,
                auth,
              },
              // Media uploads take their URL from the per-call rootUrl only (vendor-facts §0).
              { rootUrl: sdk.rootUrl },
            )
          ).data,
      );
      return parseFile(data);
    },

    async findUploaded(idempotencyKey) {
      const q =
        `appProperties has { key=${quoted(DASHBOARD_KEY_PROPERTY)} and value=${quoted(idempotencyKey)} }` +
        ' and trashed = false';
      // Oldest first: should two ever exist, the first upload is the one already handed out.
      const data = await call(
        async (auth) =>
          (await api.files.list({ q, pageSize: 10, orderBy: 'createdTime', fields: `files(${FILE_FIELDS})`, auth }))
            .data,
      );
      return parseFileList(data).items[0] ?? null;
    },

    async shareFile(share) {
      if (share.type === 'user' && !share.emailAddress) {
        throw new VendorError(VENDOR, 'validation', 'sharing with a user needs an email address');
      }
      const fileId = share.fileId;
      const listed = await call(
        async (auth) =>
          (await api.permissions.list({ fileId, fields: 'permissions(id,type,role,emailAddress)', auth })).data,
      );
      if (!listed || typeof listed !== 'object' || (listed.permissions && !Array.isArray(listed.permissions))) {
        throw malformed('permissions.list did not return permissions');
      }
      let permissionId = (listed.permissions ?? []).find((permission) => sameGrant(permission, share))?.id;
      if (!permissionId) {
        const created = await call(
          async (auth) =>
            (
              await api.permissions.create({
                fileId,
                requestBody: {
                  role: share.role,
                  type: share.type,
                  ...(share.type === 'user' ? { emailAddress: share.emailAddress } : {}),
                },
                // Drive emails users by default; the parameter only applies to user and group shares.
                ...(share.type === 'user' ? { sendNotificationEmail: share.notify ?? false } : {}),
                fields: 'id',
                auth,
              })
            ).data,
        );
        if (typeof created?.id !== 'string') throw malformed('permissions.create did not return an id');
        permissionId = created.id;
      }
      return { permissionId, webViewLink: await webViewLink(fileId) };
    },

    listFiles,
  };
}
