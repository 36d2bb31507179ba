import { Random } from '../../sandbox/core/random.js';
import {
  BURST_VENDORS,
  SIGNED_DELIVERIES,
  type BurstTargets,
  type BurstVendor,
  type SignedDelivery,
  type Signing,
} from './webhooks-vendors.js';

export type DeliveryKind = 'unique' | 'duplicate' | 'bad_signature' | 'stale_timestamp';

export interface PlannedDelivery extends SignedDelivery {
  index: number;
  kind: DeliveryKind;
  expectedStatus: 200 | 401;
  /** A duplicate's original delivery (whose event id it carries). */
  originalIndex?: number;
}

export const BURST_SHARES = { duplicate: 0.2, bad_signature: 0.1, stale_timestamp: 0.05 } as const;

/** How many of `count` deliveries are of each kind; the valid unique ones take what the shares leave. */
export function burstComposition(count: number): Record<DeliveryKind, number> {
  const duplicate = Math.round(count * BURST_SHARES.duplicate);
  const bad = Math.round(count * BURST_SHARES.bad_signature);
  const stale = Math.round(count * BURST_SHARES.stale_timestamp);
  return { unique: count - duplicate - bad - stale, duplicate, bad_signature: bad, stale_timestamp: stale };
}

function shuffled<T>(items: T[], rng: Random): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = rng.int(0, index);
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

/**
 * The burst, in send order, the same for the same seed: unique valid deliveries from the four vendors, re-sends of
 * earlier valid ones (Slack re-signs its retries with a fresh timestamp and says which retry it is, as Slack does;
 * the others resend the same bytes and headers), deliveries signed with a wrong key, and Slack deliveries signed
 * correctly ten minutes ago. The same seed gives the same burst; the vendor ids carry `runTag`, so a run against a
 * long-lived Temporal (TEMPORAL_ADDRESS) never meets an earlier run's inbound-message workflow ids.
 */
export function planBurst(targets: BurstTargets, count: number, seed: number, runTag: string): PlannedDelivery[] {
  if (count < 1) throw new Error('a burst needs at least one delivery');
  if (!/^[0-9a-f]{8}$/.test(runTag)) throw new Error('the run tag is 8 lower-case hex digits');
  const rng = new Random(seed);
  const composition = burstComposition(count);
  const kinds = shuffled(
    (Object.keys(composition) as DeliveryKind[]).flatMap((kind) => Array<DeliveryKind>(composition[kind]).fill(kind)),
    rng,
  );
  // A duplicate re-sends something already sent: the burst opens with a valid unique delivery.
  const firstUnique = kinds.indexOf('unique');
  [kinds[0], kinds[firstUnique]] = [kinds[firstUnique]!, kinds[0]!];

  const plan: PlannedDelivery[] = [];
  const uniqueSoFar: number[] = [];
  kinds.forEach((kind, index) => {
    if (kind === 'duplicate') {
      const original = plan[rng.pick(uniqueSoFar)]!;
      plan.push({ ...original, index, kind, originalIndex: original.index, headers: retryHeaders(original) });
      return;
    }
    const vendor: BurstVendor = kind === 'stale_timestamp' ? 'slack' : rng.pick(BURST_VENDORS);
    const signing: Signing = kind === 'bad_signature' ? 'wrong_key' : kind === 'stale_timestamp' ? 'stale' : 'valid';
    const signed = SIGNED_DELIVERIES[vendor](targets, { rng, serial: index + 1, runTag, signing });
    plan.push({ ...signed, index, kind, expectedStatus: kind === 'unique' ? 200 : 401 });
    if (kind === 'unique') uniqueSoFar.push(index);
  });
  return plan;
}

function retryHeaders(original: PlannedDelivery): PlannedDelivery['headers'] {
  if (original.vendor !== 'slack') return original.headers;
  return (now) => ({ ...original.headers(now), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
}
