/** One thing the burst must have left behind; `detail` says what was found, or what was wrong. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** How long what the burst started may take to settle before a check reads it. */
export const SETTLE_TIMEOUT_MS = { inbox: 60_000, signals: 60_000, messages: 180_000 } as const;

const EXAMPLES = 3;

export function check(name: string, problems: readonly string[], detail: string): Check {
  return { name, ok: problems.length === 0, detail: problems.length === 0 ? detail : problems.join('; ') };
}

/** The first few of a list of problems, and how many there are. */
export const examples = (items: readonly string[]) =>
  items.slice(0, EXAMPLES).join(', ') + (items.length > EXAMPLES ? `, … (${items.length})` : '');

/** Reads until `done` holds or the time is up, and returns the last reading either way (the check judges it). */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}
