import { expect } from 'chai';
import { isVendorError, type VendorError, type VendorErrorKind } from '../../integrations/core/errors.js';

/** The sandbox's control API: GET without a body, POST with one; fails the test on anything but 200 or 201. */
export function sandboxControl(controlUrl: string) {
  return async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${controlUrl}/_sandbox${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `control ${path}`).to.be.oneOf([200, 201]);
    return (await response.json()) as Record<string, unknown>;
  };
}

/** The VendorError a call fails with; anything else (or success) fails the test. */
export async function vendorFailure(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    expect(isVendorError(error), String(error)).to.equal(true);
    return error as VendorError;
  }
  throw new Error('expected the call to fail');
}

export function expectVendorError(error: VendorError, vendor: string, kind: VendorErrorKind, retryable: boolean): void {
  expect(error.vendor).to.equal(vendor);
  expect(error.kind, error.message).to.equal(kind);
  expect(error.retryable).to.equal(retryable);
}
