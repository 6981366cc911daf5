/**
 * UI bench (npm run bench:ui [-- --rows N], after the renderer build): the browser host on a fresh data folder,
 * N generated notifications (default 10,000), Debian's Chromium. Measures
 * - first_render_ms: from navigating to Notifications to the first work-list row on screen (cold: the host builds the
 *   list for the first time after the data arrived; warm: a second visit);
 * - frame times while scrolling the virtualised list 120 px per frame through the whole list. Chromium runs with the
 *   frame-rate limit off, so a frame's duration is the work it took, not the 60 Hz vsync wait.
 * The last line is one JSON object (rows, first_render_ms, frame_p95_ms, …).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';
import { sizeOption } from './bench-options';

const ROWS = sizeOption('rows', 10_000, 'BENCH_ROWS');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const round = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-ui-bench-'));
  const startHost = async () => {
    const child = spawn(
      process.execPath,
      // No automatic sync: a run starting mid-measurement would write to the database being listed.
      ['--import', 'tsx', 'electron/services/host/host-main.ts', '--data', dataRoot, '--json', '--sync-minutes', '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const info = JSON.parse(
      await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`host stopped (${code})`)));
      }),
    ) as { url: string; origin: string; dataDir: string };
    const stop = async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    };
    return { info, stop };
  };
  let host = await startHost();
  const info = host.info;
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-gpu-vsync', '--disable-frame-rate-limit', '--no-first-run'],
  });
  try {
    const seeded = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'electron/services/worklist/testing/seed-worklist-command.ts',
        '--data',
        info.dataDir,
        '--count',
        String(ROWS),
      ],
      { encoding: 'utf8' },
    );
    console.log(`seeded: ${seeded.trim()}`);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'fr-FR' });
    // In-page code is passed as text: tsx's helpers (__name) do not exist in the page.
    const timeToFirstRow = () =>
      page.evaluate<number>(`new Promise((resolve) => {
        const start = performance.now();
        window.location.hash = '#/notifications';
        const check = () => {
          if (document.querySelector('[data-testid="worklist-row"]')) {
            requestAnimationFrame(() => resolve(performance.now() - start));
          } else requestAnimationFrame(check);
        };
        check();
      })`);
    const openDashboard = async (url: string) => {
      await page.goto(url);
      await page.getByRole('heading', { level: 1, name: 'Tableau de bord' }).waitFor();
    };
    // 1. The data has just been written by another process (as the sync worker does): the host rebuilds the list.
    await openDashboard(info.url);
    const afterChange = await timeToFirstRow();
    // 2. The referent opens the app on its 10,000 notifications: a fresh host, then Notifications.
    await host.stop();
    host = await startHost();
    await openDashboard(host.info.url);
    const cold = await timeToFirstRow();
    await page.evaluate("window.location.hash = '#/tableau-de-bord'");
    await page.getByRole('heading', { level: 1, name: 'Tableau de bord' }).waitFor();
    const warm = await timeToFirstRow();
    const fetches = await page.evaluate<string>(
      `JSON.stringify(performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/invoke/')).map((e) => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.duration), Math.round(e.responseStart - e.startTime)]))`,
    );
    console.log(`requests (channel, start, duration, time to first byte): ${fetches}`);
    const shown = await page.getByTestId('worklist').getAttribute('aria-rowcount');

    const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
      const el = document.querySelector('[data-testid="worklist-scroll"]');
      const deltas = [];
      let last = performance.now();
      const step = () => {
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        el.scrollTop += 120;
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || deltas.length > 6000) resolve(deltas.slice(2));
        else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    })`);
    const result = {
      rows: ROWS,
      rows_shown: Number(shown) - 1,
      first_render_ms: Math.round(cold),
      first_render_warm_ms: Math.round(warm),
      first_render_after_external_change_ms: Math.round(afterChange),
      frames: frames.length,
      frame_p50_ms: round(percentile(frames, 50)),
      frame_p95_ms: round(percentile(frames, 95)),
      frame_max_ms: round(Math.max(...frames)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    await host.stop();
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
