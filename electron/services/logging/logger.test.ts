import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir } from '../testing/temp-dir';
import { configureLogging, createLogger, redact, RotatingFileSink } from './logger';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => (tmp = makeTempDir()));
afterEach(() => tmp.cleanup());

it('masks names, identifiers, birth dates and tokens', () => {
  const out = JSON.stringify(
    redact({
      family: 'TESTFICTIF',
      nested: { birthTime: '19960531' },
      note: 'INS 276059205062865 né le 1996-05-31',
      h: 'Bearer abc.def',
    }),
  );
  expect(out).not.toMatch(/TESTFICTIF|276059205062865|1996|abc\.def/);
});

it('rotates files at the size limit and keeps a bounded number', () => {
  const file = path.join(tmp.dir, 'logs', 'app.log');
  configureLogging(new RotatingFileSink(file, 400, 2), 'debug');
  const log = createLogger('test');
  for (let i = 0; i < 40; i++) log.info(`événement ${i}`);
  const files = fs.readdirSync(path.dirname(file)).sort();
  expect(files).toEqual(['app.1.log', 'app.2.log', 'app.log']);
  expect(fs.statSync(file).size).toBeLessThanOrEqual(400);
});
