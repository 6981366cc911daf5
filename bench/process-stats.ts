/** Figures the benches read from Linux's /proc and their percentiles. */
import fs from 'node:fs';

/** The p-th percentile (nearest rank) of values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Resident memory of a process now (bytes), 0 when it is gone. */
export function processRssBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional resident memory of a process (bytes): its own pages plus its share of those it shares (libraries,
 * Chromium's shared memory), so that the figures of several processes add up. Its RSS where the kernel has no
 * smaps_rollup; 0 when it is gone.
 */
export function processPssBytes(pid: number): number {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : processRssBytes(pid);
  } catch {
    return processRssBytes(pid);
  }
}

export interface ProcessInfo {
  readonly pid: number;
  readonly cmdline: string;
}

/** The processes descended from root (root excluded), with their command lines. */
export function processTree(root: number): ProcessInfo[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: ProcessInfo[] = [];
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      let cmdline = '';
      try {
        cmdline = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        // gone meanwhile
      }
      found.push({ pid: child, cmdline });
      visit(child);
    }
  };
  visit(root);
  return found;
}
