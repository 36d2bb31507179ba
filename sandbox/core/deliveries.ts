/** Everything the sandbox "sent" on behalf of the app: SMS, email, Slack posts, files, calendar invites. */
export interface Delivery {
  id: string;
  vendor: string;
  kind: 'sms' | 'email' | 'slack_message' | 'file' | 'calendar_event' | 'webhook';
  at: string;
  /** Vendor-shaped summary of what went out (to, from, body, channel, file name, …). */
  detail: Record<string, unknown>;
}

export class DeliveryLog {
  private readonly entries: Delivery[] = [];
  private counter = 0;

  record(vendor: string, kind: Delivery['kind'], detail: Record<string, unknown>): Delivery {
    this.counter += 1;
    const delivery: Delivery = { id: `d${this.counter}`, vendor, kind, at: new Date().toISOString(), detail };
    this.entries.push(delivery);
    return delivery;
  }

  list(filter: { vendor?: string; kind?: string } = {}): Delivery[] {
    return this.entries.filter(
      (entry) => (!filter.vendor || entry.vendor === filter.vendor) && (!filter.kind || entry.kind === filter.kind),
    );
  }

  clear(): void {
    this.entries.length = 0;
  }
}
