import { readFileSync } from 'node:fs';
import type { Answer } from './webhooks-burst.js';
import type { DeliveryKind, PlannedDelivery } from './webhooks-deliveries.js';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Nearest-rank percentiles: p99 of 1,000 answers is the 990th fastest, an answer that really happened. */
export function latencySummary(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (share: number) => sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? 0;
  return {
    count: sorted.length,
    p50Ms: round(rank(0.5)),
    p90Ms: round(rank(0.9)),
    p99Ms: round(rank(0.99)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

export const describeLatency = (summary: LatencySummary) =>
  `p50 ${summary.p50Ms} / p90 ${summary.p90Ms} / p99 ${summary.p99Ms} / max ${summary.maxMs} ms (n=${summary.count})`;

export type Outcome = 'accepted' | 'duplicate' | 'refused';
const OUTCOME_OF: Record<DeliveryKind, Outcome> = {
  unique: 'accepted',
  duplicate: 'duplicate',
  bad_signature: 'refused',
  stale_timestamp: 'refused',
};

/** Answer latency over all answers and per outcome the delivery was planned for (the verification checks it got it). */
export function latencyByOutcome(plan: readonly PlannedDelivery[], answers: readonly Answer[]) {
  const of = (outcome: Outcome) =>
    latencySummary(answers.filter((a) => OUTCOME_OF[plan[a.index]!.kind] === outcome).map((a) => a.latencyMs));
  return {
    all: latencySummary(answers.map((answer) => answer.latencyMs)),
    accepted: of('accepted'),
    duplicate: of('duplicate'),
    refused: of('refused'),
  };
}

/** What the answers were, by the outcome the delivery was planned for and the status it got. */
export function answerCounts(plan: readonly PlannedDelivery[], answers: readonly Answer[]) {
  const byStatus: Record<string, number> = {};
  for (const answer of answers) byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
  const count = (outcome: Outcome, status: number) =>
    answers.filter((a) => OUTCOME_OF[plan[a.index]!.kind] === outcome && a.status === status).length;
  return {
    accepted: count('accepted', 200),
    duplicates: count('duplicate', 200),
    refused: count('refused', 401),
    byStatus,
  };
}

/**
 * The API's own time per webhook request, from its request log (api/middleware/request-logger.ts `durationMs`:
 * from the logger middleware to the response being handed to the socket). Against the sender's latency it tells
 * time inside the handlers from time in transport, parsing and the process's queue.
 */
export function apiSideLatency(logFile: string): LatencySummary {
  const durations: number[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; path?: string; durationMs?: number };
    if (entry.msg === 'request completed' && entry.path?.startsWith('/api/webhooks/') && entry.durationMs !== undefined)
      durations.push(entry.durationMs);
  }
  return latencySummary(durations);
}
