import type { BenchServices } from './sync-services.js';
import type { Answer } from './webhooks-burst.js';
import { check, eventually, examples, SETTLE_TIMEOUT_MS, type Check } from './webhooks-checks.js';
import type { PlannedDelivery } from './webhooks-deliveries.js';
import { verifyInbound, verifySyncSignals } from './webhooks-verify-workflows.js';

export interface Verification {
  verified: boolean;
  checks: Check[];
  rows: number;
  /** Signals carrying an inbox row id, over every run of every sync workflow the burst signalled. */
  signalsCounted: number;
  /** Incremental passes the syncs started for the burst's signals (coalesced: one pass answers many). */
  syncPasses: number;
  syncWorkflows: number;
  inboundWorkflowsFound: number;
  inboundMessages: number;
}

interface InboxRow {
  id: string;
  source: string;
  event_id: string;
  status: string;
  workflow_ids: string[];
  deliveries: number;
}

const ACTED_ON = JSON.stringify({ accepted: 1, duplicates: 0 });
const COUNTED_ONLY = JSON.stringify({ accepted: 0, duplicates: 1 });

/**
 * Statuses as planned, and for Jobber and QuickBooks (which answer with a receipt) exactly one `accepted` per event
 * among its original and re-sends: a re-send can overtake its original inside the API when both are in flight,
 * and then it is the one that acts, which is as right as the other way round.
 */
function answersCheck(plan: readonly PlannedDelivery[], answers: readonly Answer[]): Check {
  const wrong: string[] = [];
  const receipts = new Map<number, string[]>();
  for (const answer of answers) {
    const delivery = plan[answer.index]!;
    if (answer.status !== delivery.expectedStatus) {
      const got = answer.status || answer.error;
      wrong.push(
        `#${delivery.index} ${delivery.vendor} ${delivery.kind}: ${got} instead of ${delivery.expectedStatus}`,
      );
    } else if (delivery.expectedStatus === 200 && (delivery.vendor === 'jobber' || delivery.vendor === 'quickbooks')) {
      const event = delivery.originalIndex ?? delivery.index;
      receipts.set(event, [...(receipts.get(event) ?? []), answer.body]);
    }
  }
  for (const [event, bodies] of receipts) {
    const acted = bodies.filter((body) => body === ACTED_ON).length;
    const counted = bodies.filter((body) => body === COUNTED_ONLY).length;
    if (acted !== 1 || acted + counted !== bodies.length) wrong.push(`#${event} and re-sends: ${bodies.join(' ')}`);
  }
  const problems = wrong.length > 0 ? [`${wrong.length} unexpected answers: ${examples(wrong)}`] : [];
  return check(
    'every answer as expected (200 accepted/duplicate, 401 refused; one acted on per event)',
    problems,
    `${answers.length} answers`,
  );
}

const inboxKey = (source: string, eventId: string) => `${source}\u0000${eventId}`;

/**
 * The inbox against the plan: exactly the valid unique events are rows, none for a refused delivery, each row
 * processed into the workflow its event belongs to, and each re-send counted on its event's row.
 */
function inboxChecks(plan: readonly PlannedDelivery[], rows: readonly InboxRow[]): Check[] {
  const unique = plan.filter((delivery) => delivery.kind === 'unique');
  const refused = plan.filter((delivery) => delivery.expectedStatus === 401);
  const rowOf = new Map(rows.map((row) => [inboxKey(row.source, row.event_id), row]));
  const rowFor = (delivery: PlannedDelivery) => rowOf.get(inboxKey(delivery.vendor, delivery.eventId));
  const expectedKeys = new Set(unique.map((delivery) => inboxKey(delivery.vendor, delivery.eventId)));

  const missing = unique.filter((delivery) => !rowFor(delivery)).map((d) => `#${d.index} ${d.vendor} ${d.eventId}`);
  const unexpected = rows
    .filter((row) => !expectedKeys.has(inboxKey(row.source, row.event_id)))
    .map((row) => `${row.source} ${row.event_id}`);
  const perSource = ['jobber', 'quickbooks', 'slack', 'twilio'].map((source) => {
    const wanted = unique.filter((delivery) => delivery.vendor === source).length;
    return `${source} ${rows.filter((row) => row.source === source).length}/${wanted}`;
  });
  const stored = refused.filter((delivery) => rowFor(delivery)).map((d) => `#${d.index} ${d.vendor}`);
  const notHandedOff = unique.flatMap((delivery) => {
    const row = rowFor(delivery);
    if (!row || (row.status === 'processed' && row.workflow_ids.join() === delivery.workflowId)) return [];
    return [`#${delivery.index} ${row.status} [${row.workflow_ids.join(', ')}]`];
  });

  const resends = new Map<number, number>();
  for (const { originalIndex } of plan) {
    if (originalIndex !== undefined) resends.set(originalIndex, (resends.get(originalIndex) ?? 0) + 1);
  }
  const duplicates = plan.length - unique.length - refused.length;
  const sum = rows.reduce((total, row) => total + Number(row.deliveries), 0);
  const miscounted = unique
    .filter((delivery) => Number(rowFor(delivery)?.deliveries ?? 0) !== 1 + (resends.get(delivery.index) ?? 0))
    .map((delivery) => `#${delivery.index}`);

  return [
    check(
      'inbox rows = the valid unique deliveries, per source',
      [
        ...(missing.length ? [`missing ${examples(missing)}`] : []),
        ...(unexpected.length ? [`unexpected ${examples(unexpected)}`] : []),
      ],
      `${rows.length} rows (${perSource.join(', ')})`,
    ),
    check(
      'no row for a refused delivery',
      stored.length ? [`stored: ${examples(stored)}`] : [],
      `${refused.length} refused, none stored`,
    ),
    check(
      'every row processed, handed to its workflow',
      notHandedOff.length ? [`${notHandedOff.length} rows: ${examples(notHandedOff)}`] : [],
      'all processed',
    ),
    check(
      'deliveries counted: sum = valid unique + duplicates',
      [
        ...(sum !== unique.length + duplicates ? [`sum ${sum} instead of ${unique.length} + ${duplicates}`] : []),
        ...(miscounted.length ? [`${miscounted.length} rows miscounted: ${examples(miscounted)}`] : []),
      ],
      `sum ${sum} = ${unique.length} + ${duplicates}`,
    ),
  ];
}

async function count(services: BenchServices, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await services.orm.em.getConnection().execute<Array<{ n: string }>>(sql, params);
  return Number(row!.n);
}

/**
 * Checks what the burst left behind against the plan: the inbox holds exactly the valid unique events, each
 * processed into its workflow once (sync signals carry the row id; inbound messages start one recording each),
 * duplicates are counted on their rows, refused deliveries left nothing but a security event, and the worker
 * recorded one inbound message per unique Slack and Twilio delivery.
 */
export async function verifyBurst(
  services: BenchServices,
  plan: readonly PlannedDelivery[],
  burst: { answers: readonly Answer[]; startedAt: Date },
  log: (line: string) => void,
): Promise<Verification> {
  const checks: Check[] = [answersCheck(plan, burst.answers)];

  log('waiting for every inbox row to be final');
  const pending = await eventually(
    () => count(services, `select count(*) as n from webhook_events where status = 'received'`),
    (rows) => rows === 0,
    SETTLE_TIMEOUT_MS.inbox,
  );
  checks.push(check('inbox rows final', pending === 0 ? [] : [`${pending} rows still received`], 'none pending'));
  const rows = await services.orm.em
    .getConnection()
    .execute<InboxRow[]>('select id, source, event_id, status, workflow_ids, deliveries from webhook_events');
  checks.push(...inboxChecks(plan, rows));

  const unique = plan.filter((delivery) => delivery.kind === 'unique');
  const rowIds = new Map(rows.map((row) => [inboxKey(row.source, row.event_id), row.id]));
  const syncs = await verifySyncSignals(
    services,
    unique,
    (delivery) => rowIds.get(inboxKey(delivery.vendor, delivery.eventId)),
    log,
  );
  checks.push(syncs.check);
  const inbound = await verifyInbound(services, unique, log);
  checks.push(...inbound.checks);

  const refusals = plan.filter((delivery) => delivery.expectedStatus === 401).length;
  const events = await count(
    services,
    `select count(*) as n from security_events where type = 'webhook_signature_invalid'`,
  );
  checks.push(
    check(
      'one webhook_signature_invalid security event per refusal',
      events === refusals ? [] : [`${events} events for ${refusals} refusals`],
      `${events} events`,
    ),
  );
  const syncPasses = await count(
    services,
    `select count(*) as n from sync_log where step = 'started' and workflow_id like 'sync:%' and created_at >= ?`,
    [burst.startedAt],
  );
  return {
    verified: checks.every((entry) => entry.ok),
    checks,
    rows: rows.length,
    signalsCounted: syncs.signalsCounted,
    syncPasses,
    syncWorkflows: syncs.workflows,
    inboundWorkflowsFound: inbound.workflowsFound,
    inboundMessages: inbound.messages,
  };
}
