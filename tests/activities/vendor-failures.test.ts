import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'chai';
import { toActivityFailure } from '../../activities/vendor-failures.js';
import { VendorError, type VendorErrorKind } from '../../integrations/core/errors.js';
import { failureTypes } from '../../temporal/failures.js';

function translate(kind: VendorErrorKind, retryAfterMs?: number): ApplicationFailure {
  const failure = toActivityFailure(
    new VendorError('jobber', kind, `${kind} happened`, {
      status: 418,
      code: 'X1',
      ...(retryAfterMs ? { retryAfterMs } : {}),
    }),
  );
  expect(failure).to.be.instanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

describe('vendor failures in Temporal terms', () => {
  it('retries throttling after exactly the delay the vendor asked for', () => {
    const failure = translate('rate_limited', 7_500);
    expect(failure.type).to.equal(failureTypes.vendorRateLimited);
    expect(failure.nonRetryable).to.equal(false);
    expect(failure.nextRetryDelay).to.equal(7_500);
    expect(failure.details).to.deep.equal([{ vendor: 'jobber', kind: 'rate_limited', status: 418, code: 'X1' }]);
  });

  it('leaves transient failures and expired tokens to the backoff, without a fixed delay', () => {
    for (const kind of ['transient', 'auth_expired'] as const) {
      const failure = translate(kind);
      expect(failure.nonRetryable, kind).to.equal(false);
      expect(failure.nextRetryDelay, kind).to.equal(undefined);
    }
    expect(translate('transient').type).to.equal(failureTypes.vendorTransient);
  });

  it('fails at once on what no retry can fix', () => {
    const expected = {
      auth_revoked: failureTypes.vendorAuthRevoked,
      validation: failureTypes.vendorValidation,
      not_found: failureTypes.vendorNotFound,
      conflict: failureTypes.vendorConflict,
      resync_required: failureTypes.vendorResyncRequired,
    } as const;
    for (const [kind, type] of Object.entries(expected)) {
      const failure = translate(kind as VendorErrorKind);
      expect(failure.nonRetryable, kind).to.equal(true);
      expect(failure.type, kind).to.equal(type);
    }
  });

  it('passes anything that is not a vendor verdict through untouched', () => {
    const error = new TypeError('bug');
    expect(toActivityFailure(error)).to.equal(error);
  });
});
