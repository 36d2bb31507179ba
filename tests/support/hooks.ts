import type { Context } from 'mocha';
import { setUpHarness, tearDownHarness } from './harness.js';

/** Mocha root hooks: one set of real services for the whole run. */
export const mochaHooks = {
  async beforeAll(this: Context) {
    // The first run on a fresh machine builds the Temporal CLI with `go install`: several minutes.
    this.timeout(30 * 60_000);
    await setUpHarness((line) => console.log(`[harness] ${line}`));
  },
  async afterAll(this: Context) {
    this.timeout(120_000);
    await tearDownHarness();
  },
};
