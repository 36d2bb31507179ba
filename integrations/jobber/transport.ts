import { GraphQLClient } from 'graphql-request';
import { isVendorError } from '../core/errors.js';
import { withFreshToken, type TokenSource } from '../core/tokens.js';
import { toVendorError, vendorError, type ErrorMappingOptions } from './errors.js';

export const JOBBER_GRAPHQL_URL = 'https://api.getjobber.com/api/graphql';
/** Newest version the sandbox lists (vendor-facts §1.1); Jobber requires the header on every request. */
export const JOBBER_API_VERSION = '2025-04-16';

export interface TransportOptions extends ErrorMappingOptions {
  graphqlUrl: string;
  apiVersion: string;
  timeoutMs: number;
  tokens: TokenSource;
}

/**
 * One GraphQL call to Jobber through graphql-request (which has no retries of its own): bearer token, version
 * header, timeout, one refresh after a 401, and every failure mapped to a `VendorError`.
 */
export class JobberTransport {
  private readonly client: GraphQLClient;

  constructor(private readonly options: TransportOptions) {
    this.client = new GraphQLClient(options.graphqlUrl, {
      headers: { 'X-JOBBER-GRAPHQL-VERSION': options.apiVersion },
    });
  }

  async request<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
    let attempt = 0;
    const isExpired = (error: unknown) => isVendorError(error, 'auth_expired');
    return withFreshToken(this.options.tokens, isExpired, async (accessToken) => {
      attempt += 1;
      try {
        return await this.client.request<T>({
          document,
          variables,
          requestHeaders: { Authorization: `Bearer ${accessToken}` },
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (error) {
        const mapped = toVendorError(error, this.options);
        // A token refused right after a refresh was not merely expired: the grant is gone.
        if (attempt > 1 && mapped.kind === 'auth_expired') {
          throw vendorError('auth_revoked', 'a freshly refreshed access token was refused', {
            status: mapped.details.status,
            cause: error,
          });
        }
        throw mapped;
      }
    });
  }
}
