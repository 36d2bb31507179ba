import { buildSchema } from 'graphql';

/**
 * The subset of Jobber's GraphQL schema the sandbox serves (type and field names from vendor-facts §1.2–1.3 and
 * Jobber's docs). Executed for real by `graphql`, so unknown fields and bad arguments give standard errors[].
 */
export const SDL = /* GraphQL */ `
  scalar EncodedId
  scalar ISO8601DateTime

  input Iso8601DateTimeRangeInput {
    after: ISO8601DateTime
    before: ISO8601DateTime
  }

  input ClientFilterAttributes {
    updatedAt: Iso8601DateTimeRangeInput
    createdAt: Iso8601DateTimeRangeInput
    isLead: Boolean
  }

  input JobFilterAttributes {
    updatedAt: Iso8601DateTimeRangeInput
    createdAt: Iso8601DateTimeRangeInput
    status: JobStatusTypeEnum
  }

  input QuoteFilterAttributes {
    clientId: EncodedId
    updatedAt: Iso8601DateTimeRangeInput
    createdAt: Iso8601DateTimeRangeInput
    status: QuoteStatusTypeEnum
  }

  input InvoiceFilterAttributes {
    updatedAt: Iso8601DateTimeRangeInput
    createdAt: Iso8601DateTimeRangeInput
    status: InvoiceStatusTypeEnum
  }

  enum JobStatusTypeEnum {
    REQUIRES_INVOICING
    ARCHIVED
    LATE
    TODAY
    UPCOMING
    ACTION_REQUIRED
    ON_HOLD
    UNSCHEDULED
    ACTIVE
  }

  enum QuoteStatusTypeEnum {
    DRAFT
    AWAITING_RESPONSE
    APPROVED
    CONVERTED
    CHANGES_REQUESTED
    ARCHIVED
  }

  enum InvoiceStatusTypeEnum {
    DRAFT
    AWAITING_PAYMENT
    PAID
    PAST_DUE
    BAD_DEBT
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Account {
    id: EncodedId!
    name: String!
  }

  type Email {
    id: EncodedId!
    address: String!
    primary: Boolean!
    description: String!
  }

  type ClientPhoneNumber {
    id: EncodedId!
    number: String!
    primary: Boolean!
    description: String!
    smsAllowed: Boolean!
  }

  type ClientAddress {
    street1: String
    street2: String
    street: String
    city: String
    province: String
    postalCode: String
    country: String
  }

  type Property {
    id: EncodedId!
    address: ClientAddress!
  }

  type PropertyEdge {
    cursor: String!
    node: Property!
  }

  type PropertyConnection {
    nodes: [Property!]!
    edges: [PropertyEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Client {
    id: EncodedId!
    name: String!
    firstName: String!
    lastName: String!
    companyName: String
    isCompany: Boolean!
    isLead: Boolean!
    isArchived: Boolean!
    balance: Float!
    emails: [Email!]!
    phones: [ClientPhoneNumber!]!
    billingAddress: ClientAddress
    clientProperties(first: Int, after: String, last: Int, before: String): PropertyConnection!
    jobs(first: Int, after: String, last: Int, before: String): JobConnection!
    quotes(first: Int, after: String, last: Int, before: String): QuoteConnection!
    invoices(first: Int, after: String, last: Int, before: String): InvoiceConnection!
    jobberWebUri: String!
    createdAt: ISO8601DateTime!
    updatedAt: ISO8601DateTime!
  }

  type ClientEdge {
    cursor: String!
    node: Client!
  }

  type ClientConnection {
    nodes: [Client!]!
    edges: [ClientEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Job {
    id: EncodedId!
    jobNumber: Int!
    jobStatus: JobStatusTypeEnum!
    title: String
    total: Float!
    startAt: ISO8601DateTime
    endAt: ISO8601DateTime
    archivedAt: ISO8601DateTime
    client: Client!
    invoices(first: Int, after: String, last: Int, before: String): InvoiceConnection!
    jobberWebUri: String!
    createdAt: ISO8601DateTime!
    updatedAt: ISO8601DateTime!
  }

  type JobEdge {
    cursor: String!
    node: Job!
  }

  type JobConnection {
    nodes: [Job!]!
    edges: [JobEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type QuoteAmounts {
    subtotal: Float!
    total: Float!
    discountAmount: Float!
    depositAmount: Float!
  }

  type QuoteLineItem {
    id: EncodedId!
    name: String!
    description: String
    quantity: Float!
    unitPrice: Float!
    totalPrice: Float!
  }

  type QuoteLineItemEdge {
    cursor: String!
    node: QuoteLineItem!
  }

  type QuoteLineItemConnection {
    nodes: [QuoteLineItem!]!
    edges: [QuoteLineItemEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Quote {
    id: EncodedId!
    quoteNumber: String!
    quoteStatus: QuoteStatusTypeEnum!
    title: String
    message: String
    sentAt: ISO8601DateTime
    amounts: QuoteAmounts!
    lineItems(first: Int, after: String, last: Int, before: String): QuoteLineItemConnection!
    client: Client
    jobberWebUri: String!
    createdAt: ISO8601DateTime!
    updatedAt: ISO8601DateTime!
  }

  type QuoteEdge {
    cursor: String!
    node: Quote!
  }

  type QuoteConnection {
    nodes: [Quote!]!
    edges: [QuoteEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type InvoiceAmounts {
    subtotal: Float!
    total: Float!
    invoiceBalance: Float!
    paymentsTotal: Float!
  }

  type Invoice {
    id: EncodedId!
    invoiceNumber: String!
    invoiceStatus: InvoiceStatusTypeEnum!
    subject: String
    issuedDate: ISO8601DateTime
    dueDate: ISO8601DateTime
    amounts: InvoiceAmounts!
    client: Client
    jobberWebUri: String!
    createdAt: ISO8601DateTime!
    updatedAt: ISO8601DateTime!
  }

  type InvoiceEdge {
    cursor: String!
    node: Invoice!
  }

  type InvoiceConnection {
    nodes: [Invoice!]!
    edges: [InvoiceEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Query {
    account: Account!
    clients(
      first: Int
      after: String
      last: Int
      before: String
      filter: ClientFilterAttributes
      searchTerm: String
    ): ClientConnection!
    client(id: EncodedId!): Client
    jobs(first: Int, after: String, last: Int, before: String, filter: JobFilterAttributes): JobConnection!
    job(id: EncodedId!): Job
    quotes(first: Int, after: String, last: Int, before: String, filter: QuoteFilterAttributes): QuoteConnection!
    quote(id: EncodedId!): Quote
    invoices(first: Int, after: String, last: Int, before: String, filter: InvoiceFilterAttributes): InvoiceConnection!
    invoice(id: EncodedId!): Invoice
  }

  type UserError {
    message: String!
    path: [String!]!
  }

  input EmailCreateAttributes {
    address: String!
    description: String
    primary: Boolean
  }

  input PhoneNumberCreateAttributes {
    number: String!
    description: String
    primary: Boolean
    smsAllowed: Boolean
  }

  input AddressAttributes {
    street1: String
    street2: String
    city: String
    province: String
    postalCode: String
    country: String
  }

  input ClientCreateInput {
    title: String
    firstName: String
    lastName: String
    companyName: String
    isCompany: Boolean
    emails: [EmailCreateAttributes!]
    phones: [PhoneNumberCreateAttributes!]
    billingAddress: AddressAttributes
  }

  type ClientCreatePayload {
    client: Client
    userErrors: [UserError!]!
  }

  input QuoteCreateLineItemAttributes {
    name: String!
    description: String
    quantity: Float!
    unitPrice: Float!
    saveToProductsAndServices: Boolean
  }

  input QuoteCreateAttributes {
    clientId: EncodedId!
    propertyId: EncodedId
    title: String
    message: String
    lineItems: [QuoteCreateLineItemAttributes!]
    transitionQuoteTo: String
  }

  type QuoteCreatePayload {
    quote: Quote
    userErrors: [UserError!]!
  }

  type Application {
    id: EncodedId!
    name: String!
    author: String!
  }

  type AppDisconnectPayload {
    app: Application
    userErrors: [UserError!]!
  }

  input EmailEditAttributes {
    id: EncodedId!
    address: String
    description: String
    primary: Boolean
  }

  input PhoneNumberEditAttributes {
    id: EncodedId!
    number: String
    description: String
    primary: Boolean
    smsAllowed: Boolean
  }

  input ClientEditInput {
    title: String
    firstName: String
    lastName: String
    companyName: String
    isCompany: Boolean
    emailsToAdd: [EmailCreateAttributes!]
    emailsToEdit: [EmailEditAttributes!]
    emailsToDelete: [EncodedId!]
    phonesToAdd: [PhoneNumberCreateAttributes!]
    phonesToEdit: [PhoneNumberEditAttributes!]
    phonesToDelete: [EncodedId!]
    billingAddress: AddressAttributes
  }

  type ClientEditPayload {
    client: Client
    userErrors: [UserError!]!
  }

  enum BillingStrategy {
    FIXED_PRICE
    VISIT_BASED
  }

  enum BillingFrequencyEnum {
    ON_COMPLETION
    PERIODIC
    PER_VISIT
    NEVER
  }

  input JobInvoicingAttributes {
    invoicingType: BillingStrategy!
    invoicingSchedule: BillingFrequencyEnum!
  }

  input JobTimeframeAttributes {
    startAt: ISO8601DateTime
    endAt: ISO8601DateTime
  }

  input JobCreateAttributes {
    propertyId: EncodedId!
    title: String
    instructions: String
    invoicing: JobInvoicingAttributes!
    timeframe: JobTimeframeAttributes
  }

  type JobCreatePayload {
    job: Job
    userErrors: [UserError!]!
  }

  input JobEditInput {
    title: String
    instructions: String
  }

  type JobEditPayload {
    job: Job
    userErrors: [UserError!]!
  }

  type Mutation {
    clientCreate(input: ClientCreateInput!): ClientCreatePayload!
    clientEdit(clientId: EncodedId!, input: ClientEditInput!): ClientEditPayload!
    jobCreate(input: JobCreateAttributes!): JobCreatePayload!
    jobEdit(jobId: EncodedId!, input: JobEditInput!): JobEditPayload!
    quoteCreate(attributes: QuoteCreateAttributes!): QuoteCreatePayload!
    appDisconnect: AppDisconnectPayload!
  }
`;

export const schema = buildSchema(SDL);
