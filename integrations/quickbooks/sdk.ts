import { createRequire } from 'node:module';

/*
 * The part of node-quickbooks (the design card's SDK) this client uses. Its bundled typings lack the object-form
 * constructor, so we describe the instance ourselves and load the CommonJS module with createRequire.
 */
export type QboCallback = (err: unknown, data?: unknown) => void;
type Method = (...args: unknown[]) => void;

export interface QuickBooksInstance {
  token: string | null;
  /** Base of every accounting URL: `endpoint + realmId + '/customer'…`, so it must end in `/v3/company/`. */
  endpoint: string;
  getCompanyInfo: Method;
  getCustomer: Method;
  getInvoice: Method;
  getPayment: Method;
  getPurchase: Method;
  findCustomers: Method;
  findInvoices: Method;
  findPayments: Method;
  findPurchases: Method;
  changeDataCapture: Method;
}

interface QuickBooksConstructor {
  new (config: Record<string, unknown>): QuickBooksInstance;
}

const require = createRequire(import.meta.url);
const QuickBooks = require('node-quickbooks') as QuickBooksConstructor;

export interface SdkConnection {
  clientId: string;
  clientSecret: string;
  realmId: string;
  /** Ends in `/v3/company/`. */
  endpoint: string;
  minorVersion: number;
}

/**
 * One SDK instance per call, carrying the token of that call (tokens come from the TokenSource, not the SDK).
 * Object form with `oauthversion: '2.0'`, and never `setOauthVersion`: that one fetches Intuit's discovery
 * document and rewrites the SDK's static URLs (vendor-facts §0). node-quickbooks has no retries of its own.
 */
export function sdkFor(connection: SdkConnection, accessToken: string): QuickBooksInstance {
  const qbo = new QuickBooks({
    consumerKey: connection.clientId,
    consumerSecret: connection.clientSecret,
    token: accessToken,
    realmId: connection.realmId,
    useSandbox: false,
    oauthversion: '2.0',
    minorversion: connection.minorVersion,
  });
  qbo.endpoint = connection.endpoint;
  return qbo;
}

/** Thrown when node-quickbooks gives no answer within the request timeout. */
export class SdkTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * node-quickbooks' callback API as a promise with a deadline. The SDK builds its axios options itself and takes
 * no timeout or AbortSignal, so a late reply is abandoned here (its socket closes when the server answers).
 */
export function callSdk(timeoutMs: number, invoke: (callback: QboCallback) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new SdkTimeoutError(`no reply within ${timeoutMs} ms`)), timeoutMs);
    try {
      invoke((err, data) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(data);
      });
    } catch (error) {
      clearTimeout(timer);
      reject(error);
    }
  });
}
