import { expect } from 'chai';
import { SANDBOX_VENDORS } from '../../sandbox/core/sandbox.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { ALL_SIMULATORS } from '../../sandbox/vendors/index.js';

describe('the whole vendor sandbox (npm run sandbox)', function () {
  this.timeout(30_000);
  let running: RunningSandbox;

  before(async () => {
    running = await startSandbox({ factories: ALL_SIMULATORS, port: 0, scale: 'small' });
  });

  after(async () => {
    await running?.close();
  });

  it('lists all seven vendors with a base URL each (contracts: GET /_sandbox), every one of them answering', async () => {
    const response = await fetch(`${running.controlUrl}/_sandbox`);
    expect(response.status).to.equal(200);
    const info = (await response.json()) as {
      vendors: Record<string, { baseUrl: string }>;
      counts: Record<string, number>;
    };
    expect(Object.keys(info.vendors).sort()).to.deep.equal([...SANDBOX_VENDORS].sort());
    expect(info.counts.customers).to.equal(60);
    const ports = new Set<string>();
    for (const vendor of SANDBOX_VENDORS) {
      const { baseUrl } = info.vendors[vendor]!;
      expect(baseUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      ports.add(new URL(baseUrl).port);
      // Any HTTP answer proves the vendor's own server is listening there (paths differ per vendor).
      const answer = await fetch(`${baseUrl}/`);
      expect(answer.status, vendor).to.be.within(200, 499);
    }
    expect(ports.size).to.equal(SANDBOX_VENDORS.length);
  });
});
