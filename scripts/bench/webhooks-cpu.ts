import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/*
 * Where the machine's CPU went during the burst, from /proc (Linux): the benchmark shares its cores with PostgreSQL,
 * Redis, Temporal, the worker and whatever else runs on the machine, and a loopback latency figure means little
 * without knowing whether the cores were saturated, and by whom.
 */

interface ProcessTimes {
  ppid: number;
  command: string;
  cpuSeconds: number;
}

export interface CpuSnapshot {
  at: number;
  /** Jiffies of the whole machine, busy and in total (/proc/stat). */
  machineBusy: number;
  machineTotal: number;
  processes: Map<number, ProcessTimes>;
}

const TICKS_PER_SECOND = 100;

function machineTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are the not-busy ones.
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

function processTimes(): Map<number, ProcessTimes> {
  const processes = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      processes.set(Number(entry), {
        ppid: Number(fields[1]),
        command,
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return processes;
}

export function cpuSnapshot(): CpuSnapshot {
  const machine = machineTimes();
  return { at: performance.now(), machineBusy: machine.busy, machineTotal: machine.total, processes: processTimes() };
}

export interface CpuUse {
  wallSeconds: number;
  cores: number;
  /** Busy share of all cores over the interval, 0 to 1. */
  machineBusyShare: number;
  /** CPU seconds by part of the benchmark (its process tree), and by everything else on the machine. */
  cpuSeconds: Record<string, number>;
}

/** Which part of the benchmark a process of its tree is. */
function partOf(pid: number, times: ProcessTimes, named: Readonly<Record<string, number>>): string {
  const name = Object.entries(named).find(([, namedPid]) => namedPid === pid)?.[0];
  if (name) return name;
  if (/\btemporal\b.*\bserver\b/.test(times.command)) return 'temporal';
  if (/^postgres\b|\/postgres\b/.test(times.command)) return 'postgres';
  if (/redis-server/.test(times.command)) return 'redis';
  return 'other bench processes';
}

function descendantsOf(root: number, processes: ReadonlyMap<number, ProcessTimes>): Set<number> {
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, times] of processes) {
      if (!tree.has(pid) && tree.has(times.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return tree;
}

const seconds = (value: number) => Math.round(value * 100) / 100;

/**
 * CPU used between two snapshots by the benchmark's parts (`named` pids, then Temporal, PostgreSQL and Redis by
 * their command lines) and by the rest of the machine. Processes that ended in between are not in the parts, but
 * they are in the machine's busy share.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, named: Readonly<Record<string, number>>): CpuUse {
  const cores = availableParallelism();
  const tree = descendantsOf(process.pid, after.processes);
  const parts: Record<string, number> = {};
  let benchTotal = 0;
  for (const [pid, times] of after.processes) {
    if (!tree.has(pid)) continue;
    const used = times.cpuSeconds - (before.processes.get(pid)?.cpuSeconds ?? 0);
    const part = partOf(pid, times, named);
    parts[part] = (parts[part] ?? 0) + used;
    benchTotal += used;
  }
  const machineTicks = after.machineTotal - before.machineTotal;
  const busyTicks = after.machineBusy - before.machineBusy;
  const machineBusySeconds = busyTicks / TICKS_PER_SECOND;
  const rounded = Object.fromEntries(Object.entries(parts).map(([part, used]) => [part, seconds(used)]));
  return {
    wallSeconds: seconds((after.at - before.at) / 1000),
    cores,
    machineBusyShare: machineTicks > 0 ? Math.round((busyTicks / machineTicks) * 1000) / 1000 : 0,
    cpuSeconds: { ...rounded, 'outside the benchmark': seconds(Math.max(0, machineBusySeconds - benchTotal)) },
  };
}

export const describeCpu = (use: CpuUse) =>
  `${Math.round(use.machineBusyShare * 100)}% of ${use.cores} cores busy over ${use.wallSeconds} s; CPU s: ` +
  Object.entries(use.cpuSeconds)
    .sort(([, a], [, b]) => b - a)
    .map(([part, used]) => `${part} ${used}`)
    .join(', ');

/** The parts that receive a delivery (the load generator and the simulators are the vendors' side). */
const RECEIVING_PARTS = ['api', 'temporal', 'postgres', 'redis'] as const;

export interface ReceivingCost {
  /** CPU milliseconds the receiving parts spent per delivery, in total and by part. */
  msPerDelivery: number;
  byPart: Record<string, number>;
  /** Cores that cost takes at the asked rate, against the machine's. */
  coresAtRate: number;
  cores: number;
}

/**
 * What one delivery costs the receiving side in CPU, and how many cores the asked rate therefore needs: when that
 * is near the machine's cores (with the load generator and the simulators on the same ones), requests queue for CPU
 * and the answer latency is the queue's, whatever the handler does.
 */
export function receivingCost(use: CpuUse, deliveries: number, ratePerSecond: number): ReceivingCost {
  const byPart = Object.fromEntries(
    RECEIVING_PARTS.map((part) => [part, Math.round(((use.cpuSeconds[part] ?? 0) * 1000 * 100) / deliveries) / 100]),
  );
  const msPerDelivery = Math.round(Object.values(byPart).reduce((sum, value) => sum + value, 0) * 100) / 100;
  return { msPerDelivery, byPart, coresAtRate: Math.round(msPerDelivery * ratePerSecond) / 1000, cores: use.cores };
}

export const describeReceivingCost = (cost: ReceivingCost, ratePerSecond: number) =>
  `${cost.msPerDelivery} ms per delivery (` +
  Object.entries(cost.byPart)
    .map(([part, ms]) => `${part} ${ms}`)
    .join(', ') +
  `): ${ratePerSecond}/s needs ${cost.coresAtRate.toFixed(2)} of ${cost.cores} cores`;
