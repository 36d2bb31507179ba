/** The reference apps of the API benchmark (api-bare-koa.ts): what each puts in front of the same constant. */
export const REFERENCE_KINDS = {
  bare: 'nothing',
  jwt: 'koa-jwt verifying the API access token',
  card: 'koa-helmet and koa-jwt, as the design card prescribes',
} as const;
export type ReferenceKind = keyof typeof REFERENCE_KINDS;

/** Which reference a child process is, and the API's environment (its JWT key and options) when it verifies. */
export const REFERENCE_KIND_ENV = 'BENCH_REFERENCE_KIND';
export const REFERENCE_API_ENV = 'BENCH_REFERENCE_API_ENV';
