import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../src/cli/progress.js';

function terminal(isTTY: boolean) {
  const stderr = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  const chunks: Buffer[] = [];
  stderr.on('data', (c: Buffer) => chunks.push(c));
  return { io: { stdout: new PassThrough(), stderr, env: {}, cwd: '/' }, text: () => Buffer.concat(chunks).toString() };
}

describe('progressBar', () => {
  it('draws each phase on one line of a terminal, then clears it', () => {
    const { io, text } = terminal(true);
    const bar = progressBar(io);
    bar.onProgress({ phase: 'layers', layer: 1, layers: 2, bytesRead: 512 * 1024, bytesTotal: 1024 * 1024 });
    expect(text()).toMatch(/^\rlayer 1\/2 \[#{12}\.{12}\] 0\.5 MB \/ 1\.0 MB/);
    const drawn = text().length;
    bar.onProgress({ phase: 'catalog' });
    expect(text().slice(drawn)).toContain('cataloging packages…');
    bar.done();
    expect(text().endsWith('\r')).toBe(true);
  });

  it('says how much of a streamed archive was read, with its size when known', async () => {
    for (const [bytesTotal, expected] of [
      [2 * 1024 * 1024, 'reading the archive: 3 layers, 1.0 MB / 2.0 MB'],
      [undefined, 'reading the archive: 3 layers, 1.0 MB '],
    ] as const) {
      const { io, text } = terminal(true);
      progressBar(io).onProgress({ phase: 'stream', bytesRead: 1024 * 1024, layers: 3, ...(bytesTotal ? { bytesTotal } : {}) });
      expect(text()).toContain(expected);
    }
  });

  it('writes nothing when stderr is not a terminal', () => {
    const { io, text } = terminal(false);
    const bar = progressBar(io);
    bar.onProgress({ phase: 'stream', bytesRead: 1, layers: 1 });
    bar.onProgress({ phase: 'catalog' });
    bar.done();
    expect(text()).toBe('');
  });
});
