/** Workflow ids are business keys, so a second start of the same thing finds the first run instead of racing it. */
export const workflowIds = {
  connectionHealthCheck: (connectionId: string) => `connection-health:${connectionId}`,
} as const;
