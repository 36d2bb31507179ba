import type { Context } from 'koa';
import type { Sandbox } from '../../core/sandbox.js';
import { AirtableApiError, invalidPermissions } from './errors.js';
import { BASE_ID, findTable } from './schema.js';
import type { AirtableState } from './state.js';
import type { TableDef } from './tables.js';

/** What the API routes need; `state()` because the state is replaced on reset. */
export interface ApiDeps {
  sandbox: Sandbox;
  state: () => AirtableState;
  /** Status for an unknown base id (403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND, or 404 NOT_FOUND). */
  unknownBaseStatus: 403 | 404;
  /** Status for an unknown table name or id. */
  unknownTableStatus: 403 | 404;
  /** The sandbox user, as webhook payloads name it. */
  user: { id: string; email: string; name: string; permissionLevel: 'create' };
}

export function notFound(message: string): AirtableApiError {
  return new AirtableApiError(404, 'NOT_FOUND', message);
}

export function checkBase(deps: ApiDeps, baseId: string | undefined): void {
  if (baseId === BASE_ID) return;
  throw deps.unknownBaseStatus === 403 ? invalidPermissions() : notFound(`Could not find base ${String(baseId)}`);
}

/** Base and table of `/v0/{baseId}/{tableIdOrName}/…`. */
export function tableOf(deps: ApiDeps, ctx: Context): TableDef {
  const { baseId, table: name } = ctx.params as { baseId?: string; table?: string };
  checkBase(deps, baseId);
  const table = findTable(name ?? '');
  if (table) return table;
  throw deps.unknownTableStatus === 403
    ? invalidPermissions()
    : notFound(`Could not find table ${String(name)} in application ${String(baseId)}`);
}
