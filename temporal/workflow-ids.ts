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
  /** One answer per mention of our app: Slack's redelivery of the event joins (or finds) the first run. */
  slackMention: (connectionId: string, channel: string, ts: string) => `slack-mention:${connectionId}:${channel}:${ts}`,
  /** One application per reaction event: the event's time and what it did name it. */
  slackReaction: (
    connectionId: string,
    channel: string,
    ts: string,
    eventTs: string,
    reaction: string,
    user: string,
    action: 'added' | 'removed',
  ) => `slack-reaction:${connectionId}:${channel}:${ts}:${eventTs}:${reaction}:${user}:${action}`,
  /**
   * One handling per custom-source event. The sender chooses the event id (any text up to 200 characters), so the id
   * carries its SHA-256 (base64url, computed by the caller: workflows import this file and have no crypto).
   */
  customEvent: (source: string, eventIdDigest: string) => `custom-event:${source}:${eventIdDigest}`,
  /** Pushes one client's or job's current state to Jobber; edits made while it runs are folded into it. */
  writeBack: (kind: 'client' | 'job', id: string) => `write-back:${kind}:${id}`,
} as const;
