import type { ExternalCustomer, ExternalJob } from '../core/records.js';
import { JobberUserErrors, parseUserErrors, vendorError } from './errors.js';
import { parseRecord } from './payloads.js';
import { CLIENT_FIELDS, JOB_FIELDS } from './queries.js';
import type { JobberTransport } from './transport.js';

/*
 * The write-back mutations: clientEdit, jobCreate, jobEdit (clientCreate lives in queries.ts with the quote flow).
 * Signatures as Jobber's schema introspection shows them (2026-07, cited in a public integration's notes):
 * `clientEdit(clientId: EncodedId!, input: ClientEditInput!)`, `jobCreate(input: JobCreateAttributes!)` whose
 * `propertyId` and `invoicing { invoicingType, invoicingSchedule }` are required, `jobEdit(jobId: EncodedId!,
 * input: JobEditInput!)`; every payload is `{ client|job, userErrors { message path } }`. ClientEditInput edits
 * contact points by id (`emailsToEdit`, `emailsToAdd`, `emailsToDelete`, likewise phones).
 */

/** What an edit must know of the client as Jobber has it: its contact points' ids, its kind, a property. */
const CLIENT_FOR_EDIT = /* GraphQL */ `
  query ClientForEdit($id: EncodedId!) {
    client(id: $id) {
      id
      isCompany
      emails {
        id
        address
        primary
      }
      phones {
        id
        number
        primary
      }
      clientProperties(first: 1) {
        nodes {
          id
        }
      }
    }
  }
`;

const CLIENT_EDIT = /* GraphQL */ `
  mutation ClientEdit($clientId: EncodedId!, $input: ClientEditInput!) {
    clientEdit(clientId: $clientId, input: $input) {
      client {
        ...ClientFields
      }
      userErrors {
        message
        path
      }
    }
  }
  ${CLIENT_FIELDS}
`;

const JOB_CREATE = /* GraphQL */ `
  mutation JobCreate($input: JobCreateAttributes!) {
    jobCreate(input: $input) {
      job {
        ...JobFields
      }
      userErrors {
        message
        path
      }
    }
  }
  ${JOB_FIELDS}
`;

const JOB_EDIT = /* GraphQL */ `
  mutation JobEdit($jobId: EncodedId!, $input: JobEditInput!) {
    jobEdit(jobId: $jobId, input: $input) {
      job {
        ...JobFields
      }
      userErrors {
        message
        path
      }
    }
  }
  ${JOB_FIELDS}
`;

export interface JobberContactPoint {
  id: string;
  value: string;
  primary: boolean;
}

/** A client as an edit needs it. */
export interface JobberClientForEdit {
  id: string;
  isCompany: boolean;
  emails: JobberContactPoint[];
  phones: JobberContactPoint[];
  /** The client's first property (where new jobs go); null if it has none. */
  propertyId: string | null;
}

export interface JobberClientEditInput {
  firstName?: string;
  lastName?: string;
  companyName?: string;
  isCompany?: boolean;
  emailsToAdd?: Array<{ address: string; primary?: boolean }>;
  emailsToEdit?: Array<{ id: string; address: string }>;
  emailsToDelete?: string[];
  phonesToAdd?: Array<{ number: string; primary?: boolean }>;
  phonesToEdit?: Array<{ id: string; number: string }>;
  phonesToDelete?: string[];
  billingAddress?: Partial<Record<'street1' | 'street2' | 'city' | 'province' | 'postalCode' | 'country', string>>;
}

export interface JobberJobCreateAttributes {
  propertyId: string;
  title: string;
  instructions?: string;
  invoicing: {
    invoicingType: 'FIXED_PRICE' | 'VISIT_BASED';
    invoicingSchedule: 'ON_COMPLETION' | 'PERIODIC' | 'PER_VISIT' | 'NEVER';
  };
  timeframe?: { startAt: string; endAt?: string };
}

export interface JobberJobEditInput {
  title?: string;
  instructions?: string;
}

export interface JobberWriteMutations {
  /** Null when Jobber has no such client (deleted there). */
  clientForEdit(clientId: string): Promise<JobberClientForEdit | null>;
  editClient(clientId: string, input: JobberClientEditInput): Promise<ExternalCustomer>;
  createJob(input: JobberJobCreateAttributes): Promise<ExternalJob>;
  editJob(jobId: string, input: JobberJobEditInput): Promise<ExternalJob>;
}

type Json = Record<string, unknown>;

function contactPoints(list: unknown, field: 'address' | 'number'): JobberContactPoint[] {
  if (!Array.isArray(list)) throw vendorError('transient', `malformed Jobber payload: client ${field}s`);
  return (list as Json[]).map((entry) => ({
    id: String(entry.id),
    value: String(entry[field]),
    primary: entry.primary === true,
  }));
}

/** The payload of a mutation, or its userErrors as a `JobberUserErrors` (nothing was written). */
function payloadOf(operation: string, data: Json | undefined, field: 'client' | 'job'): unknown {
  const payload = data?.[operation] as Json | undefined;
  const userErrors = parseUserErrors(payload?.userErrors);
  if (userErrors.length > 0) throw new JobberUserErrors(operation, userErrors);
  return payload?.[field];
}

export function createJobberWriteMutations(transport: JobberTransport): JobberWriteMutations {
  return {
    async clientForEdit(clientId) {
      const data = await transport.request<{ client: Json | null }>(CLIENT_FOR_EDIT, { id: clientId });
      const client = data?.client;
      if (!client) return null;
      const properties = (client.clientProperties as { nodes?: Json[] } | undefined)?.nodes ?? [];
      return {
        id: String(client.id),
        isCompany: client.isCompany === true,
        emails: contactPoints(client.emails, 'address'),
        phones: contactPoints(client.phones, 'number'),
        propertyId: properties[0] ? String(properties[0].id) : null,
      };
    },

    async editClient(clientId, input) {
      const data = await transport.request<Json>(CLIENT_EDIT, { clientId, input });
      return parseRecord('customers', payloadOf('clientEdit', data, 'client'));
    },

    async createJob(input) {
      const data = await transport.request<Json>(JOB_CREATE, { input });
      return parseRecord('jobs', payloadOf('jobCreate', data, 'job'));
    },

    async editJob(jobId, input) {
      const data = await transport.request<Json>(JOB_EDIT, { jobId, input });
      return parseRecord('jobs', payloadOf('jobEdit', data, 'job'));
    },
  };
}
