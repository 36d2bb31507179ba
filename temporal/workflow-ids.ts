/** Workflow ids are business keys, so a second start of the same thing finds the first run instead of racing it. */
export const workflowIds = {
  connectionHealthCheck: (connectionId: string) => `connection-health:${connectionId}`,
  /** One sync per connection and resource at a time: a second trigger joins the running one. */
  sync: (connectionId: string, resource: string) => `sync:${connectionId}:${resource}`,
  /** The periodic schedule of one connection and resource (and the prefix of the workflows it starts). */
  syncSchedule: (connectionId: string, resource: string) => `sync-schedule:${connectionId}:${resource}`,
  /** One code exchange per OAuth state: the state is single-use, so its id cannot be started twice. */
  oauth: (state: string) => `oauth:${state}`,
  /** One delivery per message row: its send, then the vendor's status reports as signals. */
  message: (messageId: string) => `message:${messageId}`,
  /** One inbound message per vendor message id: a redelivered webhook joins the first run. */
  inboundMessage: (vendor: string, vendorMessageId: string) => `inbound:${vendor}:${vendorMessageId}`,
  /** One creation per quote id the API handed out: a repeated request cannot create a second Jobber quote. */
  createQuote: (quoteId: string) => `create-quote:${quoteId}`,
  /** Keeps one job's Calendar event in step with its schedule; schedule changes signal it. */
  jobCalendar: (jobId: string) => `job-calendar:${jobId}`,
  /** Uploads and shares one job document on Drive. */
  shareDocument: (documentId: string) => `share-document:${documentId}`,
} as const;
