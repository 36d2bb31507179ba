import { JOB_STATUSES, type Job, type World } from '../../core/world.js';
import { clientsTable, clientVisible } from './clients-table.js';
import { unprocessable } from './errors.js';
import { airtableId, recordId } from './ids.js';
import type { AirtableState } from './state.js';
import { compact, field, iso, linkedKey, type Cells, type CellValue, type TableDef } from './tables.js';

const NAME = 'Jobs';

const CLIENT = field(NAME, 'Client', 'multipleRecordLinks', { linkedTable: clientsTable.name });

const FIELDS = [
  field(NAME, 'Title', 'singleLineText'),
  field(NAME, 'Job Number', 'number'),
  field(NAME, 'Status', 'singleSelect', { choices: JOB_STATUSES }),
  CLIENT,
  field(NAME, 'Start', 'dateTime'),
  field(NAME, 'End', 'dateTime'),
  field(NAME, 'Total', 'currency'),
  field(NAME, 'Last Modified', 'lastModifiedTime'),
] as const;

function clientLink(world: World, job: Job): string[] {
  const customer = world.customers[job.customerKey];
  if (!customer || !clientVisible(customer)) return [];
  return [recordId(clientsTable.name, customer.key)];
}

/** The customer a written Client cell points at; it must be a row Airtable shows. */
function customerKeyOf(world: World, cell: CellValue | null | undefined): number | null {
  const key = linkedKey(CLIENT, cell);
  if (key === null) return null;
  const customer = world.customers[key];
  if (!customer || !clientVisible(customer)) {
    throw unprocessable(
      'ROW_DOES_NOT_EXIST',
      `Record ID ${String((cell as string[])[0])} does not exist in this table`,
    );
  }
  return key;
}

const millis = (value: CellValue | null | undefined) => (typeof value === 'string' ? Date.parse(value) : null);

function apply(world: World, job: Job, written: Partial<Cells>, replace: boolean): void {
  const given = (name: string) => name in written || replace;
  if (given('Title')) job.title = typeof written.Title === 'string' ? written.Title : '';
  if (given('Job Number') && typeof written['Job Number'] === 'number') job.jobNumber = written['Job Number'];
  if (given('Status') && typeof written.Status === 'string') job.status = written.Status as Job['status'];
  if ('Client' in written) {
    const key = customerKeyOf(world, written.Client);
    if (key === null) throw unprocessable('INVALID_VALUE_FOR_COLUMN', 'Field "Client" must link to one client');
    job.customerKey = key;
  }
  if (given('Start')) job.startAt = millis(written.Start);
  if (given('End')) job.endAt = millis(written.End);
  if (given('Total')) job.total = typeof written.Total === 'number' ? Math.round(written.Total * 100) : 0;
}

export const jobsTable: TableDef = {
  id: airtableId('tbl', NAME),
  name: NAME,
  fields: FIELDS,
  rows: (world: World) => world.jobs,
  visible: (row, state: AirtableState) => !(row as Job).deletedAt && !state.hiddenJobs.has(row.key),
  cells(row, world) {
    const job = row as Job;
    return compact({
      Title: job.title,
      'Job Number': job.jobNumber,
      Status: job.status,
      Client: clientLink(world, job),
      Start: iso(job.startAt),
      End: iso(job.endAt),
      // Money is dollars in Airtable's currency fields, cents in the world.
      Total: job.total / 100,
      'Last Modified': iso(job.updatedAt),
    });
  },
  create(world, _state, written, now) {
    // Every world job belongs to a customer, so the sandbox insists on a Client link (Airtable itself would not).
    if (!('Client' in written)) throw unprocessable('INVALID_VALUE_FOR_COLUMN', 'Field "Client" is required');
    const job: Job = {
      key: world.jobs.length,
      customerKey: -1,
      jobNumber: world.jobs.reduce((max, other) => Math.max(max, other.jobNumber), 0) + 1,
      title: '',
      status: 'unscheduled',
      total: 0,
      startAt: null,
      endAt: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    apply(world, job, written, false);
    world.jobs.push(job);
    return job;
  },
  update(world, row, written, replace, now) {
    const job = row as Job;
    if (replace && !('Client' in written)) {
      throw unprocessable('INVALID_VALUE_FOR_COLUMN', 'Field "Client" is required');
    }
    apply(world, job, written, replace);
    job.updatedAt = now;
  },
  destroy(_world, state, row) {
    state.hiddenJobs.add(row.key);
  },
};
