/**
 * The sandbox the benches sync from, in a process of its own (its CPU and memory are not the client's): one fictive
 * legal entity with one ESAT, N generated decisions (fakes).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SandboxChildReady, SandboxChildRequest } from '../electron/services/sync/testing/sandbox-child-entry';

export const BENCH_EJ = { finessEj: '010000001', name: 'ASSOCIATION FICTIVE LES TILLEULS' };
export const BENCH_EG = '010000019';

const SANDBOX_ENTRY = fileURLToPath(
  new URL('../electron/services/sync/testing/sandbox-child-entry.ts', import.meta.url),
);

export interface BenchSandbox {
  readonly ready: SandboxChildReady;
  /** The sandbox's process, for its CPU time. */
  readonly pid: number;
  readonly stop: () => void;
}

export function startBenchSandbox(dir: string, decisions: number): Promise<BenchSandbox> {
  const child = fork(SANDBOX_ENTRY, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const request: SandboxChildRequest = {
    dataDir: path.join(dir, 'sandbox'),
    decisions,
    legalEntities: [
      { ...BENCH_EJ, establishments: [{ finessEg: BENCH_EG, name: 'ESAT FICTIF LES TILLEULS', kind: 'esat' }] },
    ],
    finessEj: BENCH_EJ.finessEj,
    generateFor: [BENCH_EG],
  };
  child.send(request);
  return new Promise((resolve, reject) => {
    child.once('message', (ready: SandboxChildReady) =>
      resolve({ ready, pid: child.pid ?? 0, stop: () => child.disconnect() }),
    );
    child.once('exit', (code) => reject(new Error(`bac à sable arrêté (code ${code})`)));
  });
}
