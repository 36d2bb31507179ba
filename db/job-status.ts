/*
 * The job status state machine. Statuses are Jobber's own words, lower-cased as the Jobber sync stores them
 * (integrations/jobber/payloads.ts: `REQUIRES_INVOICING` → `requires_invoicing`), plus two of the dashboard's:
 * `scheduled` (a dated job Jobber has not classified yet) and `cancelled` (Jobber has no cancelled status; the
 * calendar workflow takes cancelled jobs off the calendar).
 *
 * Jobber derives `upcoming`, `today` and `late` from a scheduled job's dates and raises `action_required` itself:
 * a job can be in them (the sync stores them) but nobody moves a job into them, so they are states, not targets,
 * and behave like `scheduled` and `active` respectively.
 */

/** Statuses a caller may move a job to (PATCH /api/jobs/:id/status). */
export const SETTABLE_JOB_STATUSES = [
  'unscheduled',
  'scheduled',
  'active',
  'on_hold',
  'requires_invoicing',
  'cancelled',
  'archived',
] as const;
export type SettableJobStatus = (typeof SETTABLE_JOB_STATUSES)[number];

/** Statuses Jobber computes, which the sync may store but a caller cannot choose. */
export const DERIVED_JOB_STATUSES = ['upcoming', 'today', 'late', 'action_required'] as const;

export const JOB_STATUSES = [...SETTABLE_JOB_STATUSES, ...DERIVED_JOB_STATUSES] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a new job may start in. */
export const INITIAL_JOB_STATUSES = ['unscheduled', 'scheduled'] as const;

const FROM_SCHEDULED: readonly SettableJobStatus[] = [
  'unscheduled',
  'active',
  'on_hold',
  'requires_invoicing',
  'cancelled',
];
const FROM_ACTIVE: readonly SettableJobStatus[] = ['on_hold', 'requires_invoicing', 'cancelled'];

/**
 * Where each status may go. Work flows unscheduled → scheduled → active → requires_invoicing → archived; a job can
 * pause (on_hold) or be cancelled before it is done; finished work can be reopened (requires_invoicing → active),
 * a cancelled job brought back (→ unscheduled). Archived is final.
 */
const TRANSITIONS: Readonly<Record<JobStatus, readonly SettableJobStatus[]>> = {
  unscheduled: ['scheduled', 'active', 'on_hold', 'cancelled'],
  scheduled: FROM_SCHEDULED,
  upcoming: FROM_SCHEDULED,
  today: FROM_SCHEDULED,
  late: FROM_SCHEDULED,
  active: FROM_ACTIVE,
  action_required: FROM_ACTIVE,
  on_hold: ['unscheduled', 'scheduled', 'active', 'cancelled'],
  requires_invoicing: ['active', 'archived'],
  cancelled: ['unscheduled', 'archived'],
  archived: [],
};

const isKnown = (status: string): status is JobStatus => Object.hasOwn(TRANSITIONS, status);

/**
 * The statuses a job in `from` may move to. A status outside the machine (a vendor value we have not mapped, e.g.
 * an Airtable choice someone added) may move to any settable status, so such a job is never stuck.
 */
export function allowedNextStatuses(from: string): readonly SettableJobStatus[] {
  return isKnown(from) ? TRANSITIONS[from] : SETTABLE_JOB_STATUSES;
}

/** Whether `from` → `to` is a transition; staying in the same status is not one (the caller decides what that means). */
export function canTransition(from: string, to: string): boolean {
  return (allowedNextStatuses(from) as readonly string[]).includes(to);
}
