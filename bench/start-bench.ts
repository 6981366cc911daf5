/**
 * `npm run bench:start`: how long a second `npm start` takes to show its first page. A first start on a fresh data
 * folder builds what needs building and creates the data (embedded sandbox, database); it is stopped once it serves.
 * The second start, timed from launching `node scripts/start.mjs` like `npm start` does, reports when the address is
 * printed and when Debian's Chromium (launched beforehand) shows the dashboard. Last line: JSON.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

interface Started {
  readonly url: string;
  readonly urlMs: number;
  readonly rebuilt: boolean;
  stop(): Promise<void>;
}

function npmStart(dataRoot: string): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['scripts/start.mjs', '--data', dataRoot], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rebuilt = true;
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('rien à reconstruire')) rebuilt = false;
      const url = /https?:\/\/127\.0\.0\.1:\d+\/\S*/.exec(line)?.[0];
      if (url) {
        resolve({
          url,
          urlMs: performance.now() - t0,
          rebuilt,
          stop: async () => {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start s'est arrêté (code ${code})`)));
  });
}

async function main(): Promise<void> {
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'referent-vt-start-bench-'));
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const first = await npmStart(dataRoot);
    console.log(
      `Premier démarrage${first.rebuilt ? ' (avec construction)' : ''} : adresse au bout de ` +
        `${(first.urlMs / 1000).toFixed(1)} s`,
    );
    await first.stop();

    const page = await browser.newPage({ locale: 'fr-FR' });
    const t0 = performance.now();
    const second = await npmStart(dataRoot);
    await page.goto(second.url);
    await page.getByRole('heading', { level: 1, name: 'Tableau de bord' }).waitFor({ timeout: 120_000 });
    const firstPageMs = performance.now() - t0;
    console.log(
      `Second démarrage : adresse au bout de ${(second.urlMs / 1000).toFixed(1)} s, ` +
        `tableau de bord affiché au bout de ${(firstPageMs / 1000).toFixed(1)} s` +
        (second.rebuilt ? ' (reconstruit : des sources ont changé entre les deux démarrages)' : ''),
    );
    await second.stop();
    console.log(
      JSON.stringify({
        first_start_rebuilt: first.rebuilt,
        first_start_url_ms: Math.round(first.urlMs),
        second_start_rebuilt: second.rebuilt,
        second_start_url_ms: Math.round(second.urlMs),
        second_start_first_page_ms: Math.round(firstPageMs),
      }),
    );
  } finally {
    await browser.close();
    fs.rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
