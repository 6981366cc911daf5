import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir } from '../testing/temp-dir';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.cleanup());

it('writes uncaught exceptions and unhandled rejections to the log file, and the process keeps running', () => {
  const logFile = path.join(tmp.dir, 'logs', 'referent-vt.log');
  const script = path.join(tmp.dir, 'faulty.ts');
  fs.writeFileSync(
    script,
    `import { configureLogging, logProcessFaults, RotatingFileSink } from ${JSON.stringify(path.resolve(__dirname, 'logger.ts'))};
configureLogging(new RotatingFileSink(${JSON.stringify(logFile)}));
logProcessFaults();
setTimeout(() => { throw new Error('panne synchrone 2850599123456'); }, 0);
void Promise.reject(new Error('panne asynchrone'));
setTimeout(() => process.stdout.write('toujours là\\n'), 50);
`,
  );
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  expect(run.stdout).toContain('toujours là');
  expect(run.status).toBe(0);
  const written = fs.readFileSync(logFile, 'utf8');
  expect(written).toContain('Exception non interceptée');
  expect(written).toContain('panne synchrone');
  expect(written).not.toContain('2850599123456');
  expect(written).toContain('Promesse rejetée sans traitement');
  expect(written).toContain('panne asynchrone');
});
