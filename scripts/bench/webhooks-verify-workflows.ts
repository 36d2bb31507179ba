import { WorkflowNotFoundError } from '@temporalio/client';
import { webhookEventsSignalled } from '../../temporal/webhook-signals.js';
import type { BenchServices } from './sync-services.js';
import { check, eventually, examples, SETTLE_TIMEOUT_MS, type Check } from './webhooks-checks.js';
import type { PlannedDelivery } from './webhooks-deliveries.js';

/** Every Jobber and QuickBooks row id reaches its sync exactly once, over all runs of the sync's workflow id. */
export async function verifySyncSignals(
  services: BenchServices,
  unique: readonly PlannedDelivery[],
  rowIdOf: (delivery: PlannedDelivery) => string | undefined,
  log: (line: string) => void,
): Promise<{ check: Check; signalsCounted: number; workflows: number }> {
  const expected = new Map<string, string[]>();
  for (const delivery of unique) {
    if (delivery.vendor !== 'jobber' && delivery.vendor !== 'quickbooks') continue;
    const rowId = rowIdOf(delivery);
    if (rowId) expected.set(delivery.workflowId, [...(expected.get(delivery.workflowId) ?? []), rowId]);
  }
  log(`reading the signals of ${expected.size} sync workflows (every run)`);
  const problems: string[] = [];
  let signalsCounted = 0;
  for (const [workflowId, rowIds] of expected) {
    // Runs are found through visibility, which lags a continue-as-new or a fresh run by a moment.
    const signalled = await eventually(
      () => webhookEventsSignalled(services.temporal, workflowId),
      (ids) => rowIds.every((id) => ids.includes(id)),
      SETTLE_TIMEOUT_MS.signals,
    );
    signalsCounted += signalled.length;
    const counts = new Map<string, number>();
    for (const id of signalled) counts.set(id, (counts.get(id) ?? 0) + 1);
    const wrong = rowIds.filter((id) => counts.get(id) !== 1).map((id) => `${id} x${counts.get(id) ?? 0}`);
    const strangers = [...counts.keys()].filter((id) => !rowIds.includes(id));
    if (wrong.length) problems.push(`${workflowId}: ${examples(wrong)}`);
    if (strangers.length) problems.push(`${workflowId}: signals for other rows ${examples(strangers)}`);
  }
  const rows = [...expected.values()].reduce((sum, ids) => sum + ids.length, 0);
  return {
    check: check(
      'sync signals carry each Jobber/QuickBooks row id exactly once',
      problems,
      `${rows} rows, ${signalsCounted} signals over ${expected.size} sync workflows`,
    ),
    signalsCounted,
    workflows: expected.size,
  };
}

/** Each unique Slack and Twilio message started its recording, and the worker stored it once. */
export async function verifyInbound(
  services: BenchServices,
  unique: readonly PlannedDelivery[],
  log: (line: string) => void,
): Promise<{ checks: Check[]; workflowsFound: number; messages: number }> {
  const inbound = unique.filter((delivery) => delivery.inboundKey !== undefined);
  log(`describing ${inbound.length} inbound-message workflows`);
  const absent: string[] = [];
  for (let start = 0; start < inbound.length; start += 20) {
    await Promise.all(
      inbound.slice(start, start + 20).map(async (delivery) => {
        try {
          await services.temporal.workflow.getHandle(delivery.workflowId).describe();
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          absent.push(delivery.workflowId);
        }
      }),
    );
  }
  const workflowsFound = inbound.length - absent.length;

  log(`waiting for the worker to record ${inbound.length} inbound messages`);
  const sql = services.orm.em.getConnection();
  const stored = await eventually(
    () =>
      sql.execute<{ key: string }[]>(
        `select case when vendor = 'slack' then slack_channel || ':' || slack_ts else twilio_sid end as key
           from messages where direction = 'inbound'`,
      ),
    (found) => found.length >= inbound.length,
    SETTLE_TIMEOUT_MS.messages,
  );
  const counts = new Map<string, number>();
  for (const { key } of stored) counts.set(key, (counts.get(key) ?? 0) + 1);
  const wanted = new Set(inbound.map((delivery) => delivery.inboundKey!));
  const wrong = [...wanted].filter((key) => counts.get(key) !== 1).map((key) => `${key} x${counts.get(key) ?? 0}`);
  const strangers = [...counts.keys()].filter((key) => !wanted.has(key));
  return {
    checks: [
      check(
        'each inbound-message workflow exists',
        absent.length ? [`${absent.length} not found: ${examples(absent)}`] : [],
        `${workflowsFound}/${inbound.length} found`,
      ),
      check(
        'one inbound message per unique Slack/Twilio delivery',
        [
          ...(wrong.length ? [`${wrong.length} not stored exactly once: ${examples(wrong)}`] : []),
          ...(strangers.length ? [`unexpected: ${examples(strangers)}`] : []),
        ],
        `${stored.length} messages for ${inbound.length} deliveries`,
      ),
    ],
    workflowsFound,
    messages: stored.length,
  };
}
