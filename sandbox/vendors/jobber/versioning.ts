import type { JobberOptions } from './options.js';

export interface Versioning {
  version: string;
  warning?: string;
}

/**
 * `X-JOBBER-GRAPHQL-VERSION` → what `extensions.versioning` reports (Jobber's API-versioning page): a supported
 * version as asked; a deprecated one with its warning; a removed (older) one silently upgraded to the oldest
 * supported; an unknown date in between served by the newest supported version not after it. Null when missing
 * or not a date.
 */
export function resolveVersion(header: string | undefined, options: JobberOptions): Versioning | null {
  if (!header || !/^\d{4}-\d{2}-\d{2}$/.test(header)) return null;
  const warning = options.deprecatedVersions[header];
  if (warning) return { version: header, warning };
  const supported = [...options.apiVersions].sort();
  if (supported.includes(header)) return { version: header };
  const oldest = supported[0];
  if (oldest === undefined) return { version: header };
  const served = supported.filter((version) => version <= header).at(-1) ?? oldest;
  return { version: served };
}
