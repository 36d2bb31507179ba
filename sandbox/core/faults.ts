import type { Context, Middleware } from 'koa';

/** One fault rule (control API `POST /_sandbox/faults`). Rates are probabilities in [0, 1]. */
export interface FaultRule {
  vendor: string;
  /** Applies when the request path (or the method name, e.g. `chat.postMessage`) contains this; all when absent. */
  endpoint?: string;
  /** Share of requests answered with the vendor's own 5xx shape. */
  errorRate?: number;
  /** Share of requests answered with the vendor's own rate-limit shape (429 or equivalent). */
  throttleRate?: number;
  /** Added delay before answering, in milliseconds. */
  latencyMs?: number;
  /** Never answer (the socket stays open until the client gives up). */
  hang?: boolean;
  /**
   * Handle the request (the vendor accepts it) and then never answer: the client is left not knowing that its
   * send went through, the window in which a crashed or timed-out caller would otherwise send twice.
   */
  loseResponse?: boolean;
  /** Share of requests answered 200 with a body that is not valid JSON. */
  malformedRate?: number;
  /** Remove the rule after it has fired this many times. */
  times?: number;
}

/** How a vendor renders the faults in its own wire format. */
export interface FaultRenderer {
  serverError(ctx: Context): void;
  throttled(ctx: Context): void;
}

export class FaultBook {
  private rules: Array<FaultRule & { fired: number }> = [];
  /** Requests each vendor received (`GET /_sandbox` shows them): how tests see what a client really fetched. */
  private readonly received = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, fired: 0 });
  }

  clear(vendor?: string): void {
    this.rules = vendor ? this.rules.filter((rule) => rule.vendor !== vendor) : [];
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.received);
  }

  list(): FaultRule[] {
    return this.rules.map(({ fired: _fired, ...rule }) => rule);
  }

  private matching(vendor: string, target: string): Array<FaultRule & { fired: number }> {
    return this.rules.filter((rule) => rule.vendor === vendor && (!rule.endpoint || target.includes(rule.endpoint)));
  }

  private fired(rule: FaultRule & { fired: number }): void {
    rule.fired += 1;
    if (rule.times !== undefined && rule.fired >= rule.times) this.rules = this.rules.filter((r) => r !== rule);
  }

  /**
   * Koa middleware for one vendor's server, first in its pipeline. `target` names the endpoint (the path by
   * default; Slack passes the method name too).
   */
  middleware(vendor: string, render: FaultRenderer): Middleware {
    return async (ctx, next) => {
      this.received.set(vendor, (this.received.get(vendor) ?? 0) + 1);
      for (const rule of this.matching(vendor, `${ctx.method} ${ctx.path}`)) {
        if (rule.latencyMs) await new Promise((resolve) => setTimeout(resolve, rule.latencyMs));
        if (rule.hang) {
          this.fired(rule);
          await new Promise<void>((resolve) => ctx.req.once('close', () => resolve()));
          ctx.respond = false;
          return;
        }
        if (rule.errorRate && this.random() < rule.errorRate) {
          this.fired(rule);
          return render.serverError(ctx);
        }
        if (rule.throttleRate && this.random() < rule.throttleRate) {
          this.fired(rule);
          return render.throttled(ctx);
        }
        if (rule.malformedRate && this.random() < rule.malformedRate) {
          this.fired(rule);
          ctx.status = 200;
          ctx.type = 'application/json';
          ctx.body = '{"truncated": ';
          return;
        }
        if (rule.latencyMs && !rule.errorRate && !rule.throttleRate && !rule.malformedRate) this.fired(rule);
      }
      const losing = this.matching(vendor, `${ctx.method} ${ctx.path}`).find((rule) => rule.loseResponse);
      await next();
      if (losing) {
        this.fired(losing);
        ctx.respond = false;
        // The answer is dropped: the connection stays open until the client gives up on it.
        if (!ctx.res.socket?.destroyed) await new Promise<void>((resolve) => ctx.res.once('close', () => resolve()));
      }
    };
  }
}
