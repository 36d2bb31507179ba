import type { Context } from 'koa';
import type { GoogleDeps } from '../context.js';
import { GoogleError } from '../errors.js';
import { permissionIdFor } from '../ids.js';
import { stringParam } from '../paging.js';
import type { DriveFile, Permission } from '../state.js';

const ROLES = ['owner', 'organizer', 'fileOrganizer', 'writer', 'commenter', 'reader'];
const TYPES = ['user', 'group', 'domain', 'anyone'];

const required = (field: string) =>
  new GoogleError(400, 'required', `The permission ${field} field is required.`, {
    locationType: 'other',
    location: `permission.${field}`,
  });

const invalid = (field: string) =>
  new GoogleError(400, 'invalid', `The value of the permission ${field} field is invalid.`, {
    locationType: 'other',
    location: `permission.${field}`,
  });

/**
 * `permissions.create`. A user or group share sends Drive's notification email unless `sendNotificationEmail`
 * is false (recorded as an `email` delivery with `via: 'drive'`); the owner role needs `transferOwnership`.
 * Details of ids and messages are UNVERIFIED.
 */
export function createPermission(deps: GoogleDeps, ctx: Context, file: DriveFile): Permission {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const { role, type, emailAddress, domain } = body;
  if (typeof role !== 'string') throw required('role');
  if (typeof type !== 'string') throw required('type');
  if (!ROLES.includes(role)) throw invalid('role');
  if (!TYPES.includes(type)) throw invalid('type');
  const needsEmail = type === 'user' || type === 'group';
  if (needsEmail && (typeof emailAddress !== 'string' || !emailAddress.includes('@'))) throw required('emailAddress');
  if (type === 'domain' && typeof domain !== 'string') throw required('domain');
  if (role === 'owner' && stringParam(ctx.query.transferOwnership) !== 'true') {
    throw new GoogleError(
      403,
      'forbidden',
      "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
    );
  }
  const discoverable = body.allowFileDiscovery === true;
  const permission: Permission = {
    kind: 'drive#permission',
    id: needsEmail
      ? permissionIdFor(emailAddress as string)
      : type === 'domain'
        ? `${permissionIdFor(`domain:${domain as string}`)}k`
        : discoverable
          ? 'anyone'
          : 'anyoneWithLink',
    type,
    role,
    ...(needsEmail ? { emailAddress: (emailAddress as string).toLowerCase() } : {}),
    ...(type === 'domain' ? { domain: domain as string } : {}),
    ...(type === 'domain' || type === 'anyone' ? { allowFileDiscovery: discoverable } : {}),
  };
  file.permissions = [...file.permissions.filter((existing) => existing.id !== permission.id), permission];
  file.version += 1;
  if (needsEmail && stringParam(ctx.query.sendNotificationEmail) !== 'false') {
    deps.sandbox.deliveries.record('google', 'email', {
      via: 'drive',
      to: [permission.emailAddress],
      subject: `${file.name} shared with you`,
      fileId: file.id,
      role,
      message: stringParam(ctx.query.emailMessage) ?? null,
    });
  }
  return permission;
}
