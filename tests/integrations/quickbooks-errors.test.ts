import { expect } from 'chai';
import { toVendorError } from '../../integrations/quickbooks/errors.js';
import { invoiceStatus, money, parseCustomer } from '../../integrations/quickbooks/payloads.js';

/*
 * The QBO fault shapes the sandbox cannot be made to send on demand (a Fault inside an HTTP 200, stale SyncToken,
 * duplicate name), as node-quickbooks hands them over: the body itself for a 200, an axios error otherwise.
 */

function fault(code: string, type = 'ValidationFault', casing: 'capital' | 'lower' = 'capital') {
  const error = [{ Message: 'm', Detail: 'd', code, element: '' }];
  return casing === 'capital' ? { Fault: { Error: error, type }, time: 'now' } : { fault: { error, type } };
}

function axiosError(status: number, data: unknown, headers: Record<string, string> = {}) {
  return {
    isAxiosError: true,
    message: `Request failed with status code ${status}`,
    response: { status, data, headers },
  };
}

describe('integrations: QuickBooks fault mapping and payload helpers', function () {
  it('maps a Fault carried by an HTTP 200 by its code', function () {
    expect(toVendorError(fault('5010')).kind).to.equal('conflict');
    expect(toVendorError(fault('6240')).kind).to.equal('validation');
    expect(toVendorError(fault('610')).kind).to.equal('not_found');
    expect(toVendorError(fault('10000', 'SystemFault')).kind).to.equal('transient');
    expect(toVendorError(fault('3001', 'SERVICE')).details.retryAfterMs).to.equal(60_000);
  });

  it('maps non-2xx replies by status and code, in either key casing', function () {
    expect(toVendorError(axiosError(401, fault('3200', 'AUTHENTICATION', 'lower'))).kind).to.equal('auth_expired');
    expect(toVendorError(axiosError(403, fault('3100', 'AuthorizationFault'))).kind).to.equal('auth_revoked');
    expect(toVendorError(axiosError(400, fault('5010'))).details).to.include({ status: 400, code: '5010' });
    expect(toVendorError(axiosError(400, fault('2020'))).kind).to.equal('validation');
    expect(toVendorError(axiosError(502, '<html>bad gateway</html>')).kind).to.equal('transient');
    const throttled = toVendorError(axiosError(429, fault('3001', 'SERVICE'), { 'retry-after': '7' }));
    expect(throttled.details).to.include({ status: 429, retryAfterMs: 7000 });
    expect(throttled.kind).to.equal('rate_limited');
  });

  it('formats money with two decimals and derives the invoice status from the balance', function () {
    expect(money(149.5)).to.equal('149.50');
    expect(money('12')).to.equal('12.00');
    expect(money(null)).to.equal(null);
    expect(invoiceStatus('100.00', '0.00')).to.equal('paid');
    expect(invoiceStatus('100.00', '40.00')).to.equal('partially_paid');
    expect(invoiceStatus('100.00', '100.00')).to.equal('open');
  });

  it('parses a customer faithfully, with times in UTC', function () {
    const customer = parseCustomer({
      Id: '7',
      DisplayName: 'Acme (deleted)',
      Active: false,
      MetaData: { LastUpdatedTime: '2015-07-24T10:33:39-07:00' },
    });
    expect(customer).to.deep.include({
      externalId: '7',
      displayName: 'Acme (deleted)',
      active: false,
      email: null,
      address: null,
      updatedAt: '2015-07-24T17:33:39.000Z',
    });
  });
});
