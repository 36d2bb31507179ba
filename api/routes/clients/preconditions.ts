import type { Context } from 'koa';
import type { WriteRefusal } from '../../../db/repositories/clients.js';
import type { JobRefusal } from '../../../db/repositories/jobs.js';
import { AppError } from '../../errors.js';

/*
 * Optimistic concurrency of clients and jobs. Every GET answers `ETag: "<version>"` and `version` in the body. A
 * write may name the version it was based on, either way (both optional; without either the write applies to the
 * current version):
 * - `If-Match: "<version>"` (HTTP's own precondition): a mismatch is 412 precondition_failed;
 * - `version` in the JSON body: a mismatch is 409 version_conflict.
 * Both at once must agree, else 400.
 */

export interface Precondition {
  version: number | undefined;
  via: 'if-match' | 'body' | 'none';
}

const ETAG = /^\s*(?:W\/)?"(\d{1,9})"\s*$/;

export const etagOf = (version: number) => `"${version}"`;

function badIfMatch(message: string): AppError {
  return new AppError('validation_failed', 400, 'Request validation failed', [
    { location: 'headers', path: '/if-match', message },
  ]);
}

export function preconditionOf(ctx: Context, bodyVersion?: number): Precondition {
  const header = ctx.get('If-Match');
  if (!header || header.trim() === '*') {
    return bodyVersion === undefined ? { version: undefined, via: 'none' } : { version: bodyVersion, via: 'body' };
  }
  const match = ETAG.exec(header);
  if (!match) throw badIfMatch('must be one entity tag of this API, like "3"');
  const version = Number(match[1]);
  if (bodyVersion !== undefined && bodyVersion !== version) throw badIfMatch('disagrees with version in the body');
  return { version, via: 'if-match' };
}

/** Sends the row's version as its ETag. */
export function setVersionTag(ctx: Context, version: number): void {
  ctx.set('ETag', etagOf(version));
}

/** The error a refused write answers with; `resource` names it (`client`, `job`). */
export function refusalError(
  refusal: WriteRefusal | JobRefusal,
  resource: string,
  precondition: Precondition,
): AppError {
  switch (refusal.refused) {
    case 'not_found':
      return new AppError(`${resource}_not_found`, 404, `No such ${resource}`);
    case 'version_mismatch':
      return precondition.via === 'if-match'
        ? new AppError('precondition_failed', 412, `The ${resource} has changed since that version`, {
            currentVersion: refusal.currentVersion,
          })
        : new AppError('version_conflict', 409, `The ${resource} has changed since that version`, {
            currentVersion: refusal.currentVersion,
          });
    case 'vendor_owned':
      return new AppError(
        'vendor_owned_record',
        409,
        `This ${resource} is kept in ${refusal.vendors.join(' and ')}: delete it there, and the next sync removes it here`,
        { vendors: refusal.vendors },
      );
    case 'has_jobs':
      return new AppError(
        'client_has_jobs',
        409,
        'The client still has jobs: delete them first, or pass cascade=true',
        {
          jobCount: refusal.jobCount,
        },
      );
    case 'forbidden':
      return new AppError('forbidden', 403, 'Only an admin or a user assigned to this job can change it');
    case 'invalid_transition':
      return new AppError('invalid_status_transition', 409, `A ${refusal.from} job cannot move to that status`, {
        from: refusal.from,
        allowed: refusal.allowed,
      });
  }
}
