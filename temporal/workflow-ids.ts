/** Workflow ids are business keys, so a second start of the same thing finds the first run instead of racing it. */
export const workflowIds = {
  connectionHealthCheck: (connectionId: string) => `connection-health:${connectionId}`,
  /** One sync per connection and resource at a time: a second trigger joins the running one. */
  sync: (connectionId: string, resource: string) => `sync:${connectionId}:${resource}`,
} as const;
