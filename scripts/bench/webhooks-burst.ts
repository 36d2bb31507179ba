import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlannedDelivery } from './webhooks-deliveries.js';

/** One delivery's answer as the sender saw it. */
export interface Answer {
  index: number;
  /** 0 when no answer came (connection error, timeout). */
  status: number;
  body: string;
  /** From the request being issued to the last byte of the answer. */
  latencyMs: number;
  /** How late the request left against its slot in the schedule: the load generator's own delay. */
  lagMs: number;
  error?: string;
}

export interface BurstResult {
  answers: Answer[];
  /** From the first send to the last answer. */
  seconds: number;
  /** Deliveries sent per second, from the first send to the last. */
  sendRate: number;
  /** TCP connections the keep-alive agent opened: a new one whenever every open one awaits an answer. */
  connectionsOpened: number;
}

const ANSWER_TIMEOUT_MS = 30_000;

function deliver(
  agent: Agent,
  origin: URL,
  delivery: PlannedDelivery,
  onSocket: (socket: Socket) => void,
): Promise<Omit<Answer, 'index' | 'lagMs'>> {
  return new Promise((resolve) => {
    const started = performance.now();
    const body = Buffer.from(delivery.body, 'utf8');
    const req = request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: 'POST',
        path: delivery.path,
        headers: { ...delivery.headers(Date.now()), 'content-length': String(body.length) },
        timeout: ANSWER_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            latencyMs: performance.now() - started,
          }),
        );
      },
    );
    req.once('socket', onSocket);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    req.on('error', (error) =>
      resolve({ status: 0, body: '', latencyMs: performance.now() - started, error: error.message }),
    );
    req.end(body);
  });
}

/**
 * Sends the deliveries open-loop: one every 1000/rate ms whatever the answers do (a vendor does not wait for our
 * previous answer before posting the next event), over keep-alive connections, so a slow answer shows up as
 * latency rather than as a slower send rate.
 */
export async function sendBurst(
  baseUrl: string,
  deliveries: readonly PlannedDelivery[],
  ratePerSecond: number,
): Promise<BurstResult> {
  const origin = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true });
  const intervalMs = 1000 / ratePerSecond;
  const inFlight: Array<Promise<Answer>> = [];
  const sockets = new WeakSet<Socket>();
  let connectionsOpened = 0;
  const onSocket = (socket: Socket) => {
    if (sockets.has(socket)) return;
    sockets.add(socket);
    connectionsOpened += 1;
  };
  const firstSend = performance.now();
  let lastSend = firstSend;
  try {
    for (const delivery of deliveries) {
      const due = firstSend + delivery.index * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      lastSend = performance.now();
      const lagMs = Math.max(0, lastSend - due);
      inFlight.push(
        deliver(agent, origin, delivery, onSocket).then((answer) => ({ ...answer, index: delivery.index, lagMs })),
      );
    }
    const answers = await Promise.all(inFlight);
    const seconds = (performance.now() - firstSend) / 1000;
    const sendSeconds = (lastSend - firstSend) / 1000;
    const sendRate = sendSeconds > 0 ? (deliveries.length - 1) / sendSeconds : 0;
    return { answers, seconds, sendRate, connectionsOpened };
  } finally {
    agent.destroy();
  }
}
