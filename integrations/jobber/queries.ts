/*
 * The GraphQL documents we send to Jobber. Fields are the ones `payloads.ts` reads, nothing more: Jobber charges
 * every field once per node (vendor-facts §1.4), so a lean selection keeps a 100-row page cheap.
 */

export const CLIENT_FIELDS = /* GraphQL */ `
  fragment ClientFields on Client {
    id
    name
    firstName
    lastName
    companyName
    isArchived
    emails {
      address
      primary
    }
    phones {
      number
      primary
    }
    billingAddress {
      street1
      city
      province
      postalCode
      country
    }
    updatedAt
  }
`;

export const JOB_FIELDS = /* GraphQL */ `
  fragment JobFields on Job {
    id
    jobNumber
    jobStatus
    title
    total
    startAt
    endAt
    client {
      id
    }
    updatedAt
  }
`;

const QUOTE_FIELDS = /* GraphQL */ `
  fragment QuoteFields on Quote {
    id
    quoteNumber
    quoteStatus
    title
    amounts {
      total
    }
    client {
      id
    }
    updatedAt
  }
`;

const INVOICE_FIELDS = /* GraphQL */ `
  fragment InvoiceFields on Invoice {
    id
    invoiceNumber
    invoiceStatus
    issuedDate
    dueDate
    amounts {
      total
      invoiceBalance
    }
    client {
      id
    }
    updatedAt
  }
`;

/** Per resource: the connection and by-id fields, the filter input type and the fragment. */
const SHAPES = {
  customers: { list: 'clients', one: 'client', filter: 'ClientFilterAttributes', fragment: CLIENT_FIELDS },
  jobs: { list: 'jobs', one: 'job', filter: 'JobFilterAttributes', fragment: JOB_FIELDS },
  quotes: { list: 'quotes', one: 'quote', filter: 'QuoteFilterAttributes', fragment: QUOTE_FIELDS },
  invoices: { list: 'invoices', one: 'invoice', filter: 'InvoiceFilterAttributes', fragment: INVOICE_FIELDS },
} as const;

export type JobberResource = keyof typeof SHAPES;
export const JOBBER_RESOURCES = Object.keys(SHAPES) as JobberResource[];

const fragmentName = (fragment: string) => /fragment (\w+)/.exec(fragment)![1]!;

/** A Relay page: `first`/`after`, optionally filtered (`filter: { updatedAt: { after } }` for incremental). */
export function listQuery(resource: JobberResource): string {
  const shape = SHAPES[resource];
  return /* GraphQL */ `
    query List($first: Int!, $after: String, $filter: ${shape.filter}) {
      page: ${shape.list}(first: $first, after: $after, filter: $filter) {
        nodes {
          ...${fragmentName(shape.fragment)}
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
    ${shape.fragment}
  `;
}

export function getQuery(resource: JobberResource): string {
  const shape = SHAPES[resource];
  return /* GraphQL */ `
    query Get($id: EncodedId!) {
      record: ${shape.one}(id: $id) {
        ...${fragmentName(shape.fragment)}
      }
    }
    ${shape.fragment}
  `;
}

export const ACCOUNT_QUERY = /* GraphQL */ `
  query Account {
    account {
      id
      name
    }
  }
`;

export const CLIENT_CREATE = /* GraphQL */ `
  mutation ClientCreate($input: ClientCreateInput!) {
    clientCreate(input: $input) {
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

export const QUOTE_CREATE = /* GraphQL */ `
  mutation QuoteCreate($attributes: QuoteCreateAttributes!) {
    quoteCreate(attributes: $attributes) {
      quote {
        ...QuoteFields
      }
      userErrors {
        message
        path
      }
    }
  }
  ${QUOTE_FIELDS}
`;

/**
 * A client's quotes created after a time, with enough of their line items to recognise one we created: Jobber's
 * `quotes(filter: { clientId, createdAt })` (QuoteFilterAttributes). `$lineItems` is one more than the quote we
 * look for has, so a quote with extra items shows `hasNextPage` instead of costing a full page.
 */
export const CREATED_QUOTES = /* GraphQL */ `
  query CreatedQuotes($first: Int!, $after: String, $filter: QuoteFilterAttributes, $lineItems: Int!) {
    page: quotes(first: $first, after: $after, filter: $filter) {
      nodes {
        ...QuoteFields
        createdAt
        lineItems(first: $lineItems) {
          nodes {
            name
            quantity
            unitPrice
          }
          pageInfo {
            hasNextPage
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${QUOTE_FIELDS}
`;
