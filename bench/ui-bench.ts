/**
 * UI bench (npm run bench:ui [-- --rows N]; it builds the bundle first when its sources changed): the browser host as
 * built (out/main/host.js) on a fresh data folder, N generated notifications (default 10,000; `--rows 100000` for
 * the organisation-sized list), Debian's Chromium. Measures
 * - first_render_after_external_change_ms: the data has just been written by another process (as the sync worker
 *   does), from navigating to Notifications to the first work-list row on screen;
 * - first_render_ms (cold: a fresh host, then Notifications) and first_render_warm_ms (a second visit);
 * - first_render_after_small_change_ms: the same once another process has changed 20 notifications (a sync that
 *   finds a few new statuses): the host's snapshot takes in only those;
 * - list_complete_wait_ms: how long after that the whole list is read (a long list's first read shows its newest rows
 *   first), before the filters and searches are measured on it;
 * - filter_p95_ms: from a change of one filter (every value of each select, the two check boxes) to the list shown
 *   for it; search_p95_ms: from the search request leaving (after the 200 ms typing debounce) to the list shown,
 *   search_input_p95_ms the same from the keystroke;
 * - frame times while scrolling the virtualised list 120 px per frame through the whole list. Chromium runs with the
 *   frame-rate limit off, so a frame's duration is the work it took, not the 60 Hz vsync wait;
 * - the resident memory of the app's renderer process(es) (proportional: shared pages counted once; Chromium's own
 *   interface pages apart, `chromium_ui_renderer_mb`) and of the host (the app's main process) at the end.
 * The last line is one JSON object (rows, first_render_ms, filter_p95_ms, frame_p95_ms, …).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium, type Page } from 'playwright-core';
import { sizeOption } from './bench-options';
import { percentile, processPssBytes, processRssBytes, processTree } from './process-stats';

const ROWS = sizeOption('rows', 10_000, 'BENCH_ROWS');
/** The renderer and host as `npm start` runs them (the bench script builds them first when sources changed). */
const BUNDLED_HOST = path.resolve('out/main/host.js');
/** Searches measured: as many family names shown in the list. */
const SEARCHES = 12;
/** Values tried per filter select (the first ones after "all"). */
const VALUES_PER_SELECT = 3;
/** Notifications another process changes for the "after a small change" measure (a sync's few new statuses). */
const SMALL_CHANGE = 20;
/** The scroll measure's safety cap: it stops after this many frames or this long, whichever comes first. */
const MAX_SCROLL_FRAMES = 6000;
const MAX_SCROLL_MS = 120_000;

const round = (n: number) => Math.round(n * 10) / 10;
const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/**
 * In the page before any script: every `notifications:list` request is noted (start, and end once answered), so a
 * measure knows when the list it waits for has been asked and received. In-page code is passed as text: tsx's
 * helpers (__name) do not exist in the page.
 */
const TRACK_LIST_REQUESTS = `
  window.__listRequests = [];
  const originalFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes('/api/invoke/notifications:list')) return originalFetch(input, init);
    const request = { start: performance.now(), end: 0 };
    window.__listRequests.push(request);
    return originalFetch(input, init).finally(() => { request.end = performance.now(); });
  };
  /**
   * Runs act() (which changes a filter or the search) and resolves once the list shown answers it: no list request
   * started since is still waiting, the count no longer says it is updating, one more frame painted.
   * Resolves { total, fromRequest, requested, inFlight } (ms from act, from the last list request's start, whether one
   * left, how long that request took from leaving to its answer arriving: the rest is the page's work).
   */
  window.__untilListShown = (act) => new Promise((resolve) => {
    const start = performance.now();
    const before = window.__listRequests.length;
    act();
    let frames = 0;
    const check = () => {
      frames += 1;
      const requests = window.__listRequests.slice(before);
      const waiting = requests.some((r) => r.end === 0);
      const busy = document.querySelector('[data-testid="worklist-count"]')?.getAttribute('aria-busy') === 'true';
      // A change answered from the query cache sends no request: a few frames without one and without "updating".
      if (!waiting && !busy && (requests.length > 0 || frames >= 3)) {
        requestAnimationFrame(() => {
          const end = performance.now();
          const last = requests[requests.length - 1];
          resolve({
            total: end - start,
            fromRequest: last ? end - last.start : end - start,
            requested: !!last,
            inFlight: last ? last.end - last.start : 0,
          });
        });
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
`;

interface Measure {
  readonly total: number;
  readonly fromRequest: number;
  readonly requested: boolean;
  readonly inFlight: number;
}

/** Every filter of the list, each value in turn then back to "all": one measure per change. */
async function measureFilters(page: Page): Promise<Measure[]> {
  const selects = await page.locator('.filters select').count();
  const measures: Measure[] = [];
  for (let s = 0; s < selects; s += 1) {
    const values = await page
      .locator('.filters select')
      .nth(s)
      .evaluate((el) => Array.from((el as HTMLSelectElement).options, (o) => o.value).filter((v) => v !== ''));
    for (const value of [...values.slice(0, VALUES_PER_SELECT), '']) {
      measures.push(
        await page.evaluate<Measure>(`window.__untilListShown(() => {
          const select = document.querySelectorAll('.filters select')[${s}];
          select.value = ${JSON.stringify(value)};
          select.dispatchEvent(new Event('change', { bubbles: true }));
        })`),
      );
    }
  }
  for (const testId of ['filter-a-traiter', 'show-terminated']) {
    for (let k = 0; k < 2; k += 1) {
      measures.push(
        await page.evaluate<Measure>(
          `window.__untilListShown(() => document.querySelector('[data-testid="${testId}"]').click())`,
        ),
      );
    }
  }
  return measures;
}

/**
 * Searches for family names shown in the list, one after the other (each a new request: a search the
 * query cache answers has no request to time from), then clears the field.
 */
async function measureSearches(page: Page): Promise<Measure[]> {
  const names = await page.evaluate<string[]>(
    `Array.from(document.querySelectorAll('[data-testid="worklist-row"] .row-link'), (a) => a.textContent.trim().split(' ')[0])`,
  );
  const terms = [...new Set(names.filter((n) => n.length >= 3))].slice(0, SEARCHES);
  const search = (term: string) =>
    page.evaluate<Measure>(`window.__untilListShown(() => {
      const input = document.querySelector('[data-testid="worklist-search"]');
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, ${JSON.stringify(term)});
      input.dispatchEvent(new Event('input', { bubbles: true }));
    })`);
  const measures: Measure[] = [];
  for (const term of terms) measures.push(await search(term));
  await search('');
  return measures.filter((m) => m.requested);
}

async function main(): Promise<void> {
  if (!fs.existsSync(BUNDLED_HOST))
    throw new Error(`${BUNDLED_HOST} absent : lancer le bench par « npm run bench:ui »`);
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-ui-bench-'));
  const startHost = async () => {
    const child = spawn(
      process.execPath,
      // No automatic sync: a run starting mid-measurement would write to the database being listed.
      [BUNDLED_HOST, '--data', dataRoot, '--json', '--sync-minutes', '0'],
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
    return { info, stop, pid: child.pid ?? 0 };
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
    await page.addInitScript(TRACK_LIST_REQUESTS);
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
    // 1. The data has just been written by another process (as the sync worker does): the host catches up.
    await openDashboard(info.url);
    const afterChange = await timeToFirstRow();
    // 2. The referent opens the app on its notifications: a fresh host, then Notifications.
    await host.stop();
    host = await startHost();
    await openDashboard(host.info.url);
    const cold = await timeToFirstRow();
    await page.evaluate("window.location.hash = '#/tableau-de-bord'");
    await page.getByRole('heading', { level: 1, name: 'Tableau de bord' }).waitFor();
    const warm = await timeToFirstRow();
    // 3. A sync has just changed a few rows (another process writes): back to Notifications.
    await page.evaluate("window.location.hash = '#/tableau-de-bord'");
    await page.getByRole('heading', { level: 1, name: 'Tableau de bord' }).waitFor();
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/touch-notifications.ts', '--data', host.info.dataDir, '--count', String(SMALL_CHANGE)],
      { encoding: 'utf8' },
    );
    const afterSmallChange = await timeToFirstRow();
    const fetches = await page.evaluate<string>(
      `JSON.stringify(performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/invoke/')).map((e) => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.duration), Math.round(e.responseStart - e.startTime)]))`,
    );
    console.log(`requests (channel, start, duration, time to first byte): ${fetches}`);
    // A long list's first read answers its newest rows first and goes on reading (the count says « Au moins … »):
    // the filters and searches are measured on the whole list, once read; the wait is reported apart.
    const readStart = performance.now();
    await page.getByTestId('worklist-count').and(page.locator('[aria-busy="false"]')).waitFor({ timeout: 120_000 });
    const listCompleteMs = performance.now() - readStart;
    const shown = await page.getByTestId('worklist').getAttribute('aria-rowcount');

    const filters = await measureFilters(page);
    const searches = await measureSearches(page);
    console.log(`filtres : ${filters.length} changements, recherches : ${searches.length}`);

    // Safety cap: at most MAX_SCROLL_FRAMES frames or MAX_SCROLL_MS, whichever comes first (a frame cap alone let a
    // 100,000-row list, 43,000 frames long, scroll 6,000 frames of 30 ms and more on a busy machine: minutes); a
    // list that stops scrolling before its end also ends the loop.
    const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
      const el = document.querySelector('[data-testid="worklist-scroll"]');
      const deltas = [];
      const start = performance.now();
      let last = start;
      let stuck = 0;
      const step = () => {
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        const before = el.scrollTop;
        el.scrollTop += 120;
        stuck = el.scrollTop === before ? stuck + 1 : 0;
        const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
        if (atEnd || stuck > 10 || deltas.length >= ${MAX_SCROLL_FRAMES} || now - start >= ${MAX_SCROLL_MS}) {
          resolve(deltas.slice(2));
        } else requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
      // Should the page stop painting altogether (no animation frame comes), what was measured is still returned.
      setTimeout(() => resolve(deltas.slice(2)), ${MAX_SCROLL_MS + 5000});
    })`);
    if (frames.length + 2 >= MAX_SCROLL_FRAMES) console.log(`défilement arrêté après ${MAX_SCROLL_FRAMES} images`);
    // Chromium is this process's child; its renderers are its own children. Those of Chromium's own interface
    // (`--top-chrome-webui`: the omnibox popup headless Chromium loads, ≈70 MB) are no part of the app, which an
    // Electron window runs without: reported apart, not counted in the app's renderer memory.
    const pss = (processes: readonly { pid: number }[]) =>
      processes.reduce((sum, p) => sum + processPssBytes(p.pid), 0);
    const allRenderers = processTree(process.pid).filter((p) => p.cmdline.includes('--type=renderer'));
    const chromiumUi = allRenderers.filter((p) => p.cmdline.includes('--top-chrome-webui'));
    const renderers = allRenderers.filter((p) => !chromiumUi.includes(p));
    const rendererRss = pss(renderers);
    const hostRss = processRssBytes(host.pid);
    const filterRequests = filters.filter((m) => m.requested).map((m) => m.inFlight);
    const result = {
      rows: ROWS,
      rows_shown: Number(shown) - 1,
      first_render_ms: Math.round(cold),
      first_render_warm_ms: Math.round(warm),
      first_render_after_external_change_ms: Math.round(afterChange),
      first_render_after_small_change_ms: Math.round(afterSmallChange),
      list_complete_wait_ms: Math.round(listCompleteMs),
      filter_changes: filters.length,
      filter_p50_ms: round(
        percentile(
          filters.map((m) => m.total),
          50,
        ),
      ),
      filter_p95_ms: round(
        percentile(
          filters.map((m) => m.total),
          95,
        ),
      ),
      searches: searches.length,
      // The share of the request (host's work and transport) in the filter's time; the rest is the page's.
      filter_request_p50_ms: round(percentile(filterRequests, 50)),
      filter_request_p95_ms: round(percentile(filterRequests, 95)),
      search_request_p95_ms: round(
        percentile(
          searches.map((m) => m.inFlight),
          95,
        ),
      ),
      search_p50_ms: round(
        percentile(
          searches.map((m) => m.fromRequest),
          50,
        ),
      ),
      search_p95_ms: round(
        percentile(
          searches.map((m) => m.fromRequest),
          95,
        ),
      ),
      search_input_p95_ms: round(
        percentile(
          searches.map((m) => m.total),
          95,
        ),
      ),
      frames: frames.length,
      frame_p50_ms: round(percentile(frames, 50)),
      frame_p95_ms: round(percentile(frames, 95)),
      frame_max_ms: round(Math.max(...frames)),
      renderer_processes: renderers.length,
      renderer_rss_mb: mb(rendererRss),
      chromium_ui_renderer_mb: mb(pss(chromiumUi)),
      main_rss_mb: mb(hostRss),
      renderer_plus_main_rss_mb: mb(rendererRss + hostRss),
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
