import { describe, expect, it } from 'vitest';
import { Limiter, readPipeline } from './read-pipeline';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('readPipeline', () => {
  it('hands every result over in input order, whatever order the reads end in', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const pipeline = readPipeline(items, { limiter: new Limiter(4), lanes: 4, window: 6 }, async (i) => {
      await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
      return i * 10;
    });
    const taken: number[] = [];
    for (;;) {
      const chunk = await pipeline.take(5);
      if (chunk.length === 0) break;
      taken.push(...chunk);
    }
    expect(taken).toEqual(items.map((i) => i * 10));
  });

  it('reads no further ahead of the writer than its window, and no more at once than its limiter', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const started: number[] = [];
    const limiter = new Limiter(2);
    const read = async (i: number) => {
      started.push(i);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick();
      inFlight--;
      return i;
    };
    // Two lists share the limiter, as a page being written and the page read ahead do.
    const first = readPipeline([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { limiter, lanes: 4, window: 3 }, read);
    const second = readPipeline([10, 11, 12], { limiter, lanes: 4, window: 3 }, read);
    for (let i = 0; i < 20; i++) await tick();
    expect(started.filter((i) => i < 10).sort((a, b) => a - b)).toEqual([0, 1, 2]);
    expect(await first.take(2)).toEqual([0, 1]);
    for (let i = 0; i < 20; i++) await tick();
    expect(started.filter((i) => i < 10).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(await second.take(5)).toEqual([10, 11, 12]);
    expect(maxInFlight).toBe(2);
  });

  it('reports a failed read to the writer, and starts no read once stopped', async () => {
    const started: number[] = [];
    const pipeline = readPipeline([0, 1, 2, 3, 4, 5], { limiter: new Limiter(1), lanes: 1, window: 2 }, (i) => {
      started.push(i);
      return i === 1 ? Promise.reject(new Error('lecture impossible')) : Promise.resolve(i);
    });
    await expect(pipeline.take(2)).rejects.toThrow('lecture impossible');
    pipeline.stop();
    for (let i = 0; i < 10; i++) await tick();
    expect(started).toEqual([0, 1]);
  });
});
