export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** Jobber's query-cost leaky bucket per app+account: fills at `restoreRate` points/s up to `maximumAvailable`. */
export class CostBucket {
  private available: number;
  private at = 0;

  constructor(private readonly config: { maximumAvailable: number; restoreRate: number }) {
    this.available = config.maximumAvailable;
  }

  status(now = Date.now()): ThrottleStatus {
    if (this.at > 0) {
      const restored = ((now - this.at) / 1000) * this.config.restoreRate;
      this.available = Math.min(this.config.maximumAvailable, this.available + restored);
    }
    this.at = now;
    return {
      maximumAvailable: this.config.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.config.restoreRate,
    };
  }

  take(points: number, now = Date.now()): ThrottleStatus {
    this.status(now);
    this.available = Math.max(0, this.available - points);
    return this.status(now);
  }

  /** What replies show while rate limits are off: a full bucket that never drains. */
  full(): ThrottleStatus {
    return { ...this.config, currentlyAvailable: this.config.maximumAvailable };
  }
}

/** Rack::Attack-style counter: at most `limit` requests in any `windowMs`. */
export class RequestWindow {
  private readonly times: number[] = [];

  constructor(private readonly config: { limit: number; windowMs: number }) {}

  /** Records a request; false when it is over the limit. */
  hit(now = Date.now()): boolean {
    while (this.times.length > 0 && this.times[0]! <= now - this.config.windowMs) this.times.shift();
    this.times.push(now);
    return this.times.length <= this.config.limit;
  }
}
