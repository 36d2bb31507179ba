import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createControlApp } from './control.js';
import { DeliveryLog } from './core/deliveries.js';
import { FaultBook } from './core/faults.js';
import {
  SANDBOX_VENDORS,
  type Sandbox,
  type SandboxVendor,
  type VendorFactory,
  type VendorSimulator,
} from './core/sandbox.js';
import { WebhookSender } from './core/webhooks.js';
import { SCALES, type ScaleName, type World, type WorldScale } from './core/world.js';
import { generateWorld } from './data/generate.js';

export const DEFAULT_SEED = 42;

export interface SandboxOptions {
  host?: string;
  /** Control API port; 0 picks a free one. Vendor servers listen on the next ports (or free ones when 0). */
  port?: number;
  seed?: number;
  scale?: ScaleName | number;
  /** The simulators to serve (default: all of sandbox/vendors). */
  factories: readonly VendorFactory[];
}

export interface RunningSandbox {
  readonly sandbox: Sandbox;
  readonly controlUrl: string;
  readonly simulators: ReadonlyMap<SandboxVendor, VendorSimulator>;
  /** Regenerates the world (same seed → same data) and clears faults, deliveries and per-vendor state. */
  reset(seed?: number, scale?: ScaleName | number): void;
  close(): Promise<void>;
}

export function resolveScale(scale: ScaleName | number | undefined): WorldScale {
  if (scale === undefined) return SCALES.small;
  if (typeof scale === 'number') return { customers: scale, jobsPerCustomer: 5 };
  return SCALES[scale];
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the control API and one HTTP server per vendor simulator. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const deliveries = new DeliveryLog();
  const urls = new Map<SandboxVendor, string>();
  let world: World = generateWorld(options.seed ?? DEFAULT_SEED, resolveScale(options.scale));
  const sandbox: Sandbox = {
    get world() {
      return world;
    },
    set world(next: World) {
      world = next;
    },
    faults: new FaultBook(),
    deliveries,
    webhooks: new WebhookSender(deliveries),
    settings: { rateLimits: true, webhookUrls: {} },
    baseUrl(vendor) {
      const url = urls.get(vendor);
      if (!url) throw new Error(`the ${vendor} simulator is not running`);
      return url;
    },
  };

  const simulators = new Map<SandboxVendor, VendorSimulator>();
  for (const factory of options.factories) {
    const simulator = factory(sandbox);
    simulators.set(simulator.vendor, simulator);
  }

  const servers: Server[] = [];
  const basePort = options.port ?? 0;
  const running: RunningSandbox = {
    sandbox,
    controlUrl: '',
    simulators,
    reset(seed = world.seed, scale) {
      world = generateWorld(seed, scale === undefined ? world.scale : resolveScale(scale));
      sandbox.faults.clear();
      deliveries.clear();
      for (const simulator of simulators.values()) simulator.reset?.();
    },
    async close() {
      await sandbox.webhooks.close();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };

  try {
    const control = createServer(createControlApp(running).callback());
    servers.push(control);
    const controlPort = await listen(control, basePort, host);
    (running as { controlUrl: string }).controlUrl = `http://${host}:${controlPort}`;
    for (const vendor of SANDBOX_VENDORS) {
      const simulator = simulators.get(vendor);
      if (!simulator) continue;
      const server = createServer(simulator.app.callback());
      servers.push(server);
      const port = await listen(server, basePort === 0 ? 0 : basePort + 1 + SANDBOX_VENDORS.indexOf(vendor), host);
      urls.set(vendor, `http://${host}:${port}`);
    }
  } catch (error) {
    await running.close();
    throw error;
  }
  return running;
}
