/** Workflow ids are business keys, so a second start of the same thing finds the first run instead of racing it. */
export const workflowIds = {
  connectionHealthCheck: (connectionId: string) => `connection-health:${connectionId}`,
  /** One sync per connection and resource at a time: a second trigger joins the running one. */
  sync: (connectionId: string, resource: string) => `sync:${connectionId}:${resource}`,
  /** The periodic schedule of one connection and resource (and the prefix of the workflows it starts). */
  syncSchedule: (connectionId: string, resource: string) => `sync-schedule:${connectionId}:${resource}`,
  /** One code exchange per OAuth state: the state is single-use, so its id cannot be started twice. */
  oauth: (state: string) => `oauth:${state}`,
} as const;
