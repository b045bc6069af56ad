/**
 * A one-line progress display on a terminal's stderr; silent when stderr is not a TTY, so logs
 * and pipes stay clean.
 * @module
 */
import type { SbomProgress } from '../sbom/generate.js';
import type { CliIO } from './command.js';

const REFRESH_MS = 100;
const BAR = 24;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Returns an `onProgress` callback and a `done` that clears the line. */
export function progressBar(io: CliIO): { onProgress: (p: SbomProgress) => void; done: () => void } {
  if (io.stderr.isTTY !== true) return { onProgress: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  const draw = (text: string) => {
    const width = Math.max(20, (io.stderr.columns || 80) - 1);
    io.stderr.write(`\r${text.slice(0, width).padEnd(width)}`);
    shown = true;
  };
  return {
    onProgress: (p) => {
      const now = Date.now();
      if (p.phase !== 'catalog' && now - last < REFRESH_MS) return;
      last = now;
      if (p.phase === 'layers') {
        const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesRead / p.bytesTotal) : 0;
        const filled = Math.round(fraction * BAR);
        draw(`layer ${p.layer}/${p.layers} [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${megabytes(p.bytesRead)} / ${megabytes(p.bytesTotal)}`);
      } else if (p.phase === 'stream') {
        const total = p.bytesTotal === undefined ? '' : ` / ${megabytes(p.bytesTotal)}`;
        draw(`reading the archive: ${p.layers} layers, ${megabytes(p.bytesRead)}${total}`);
      } else if (p.phase === 'directory') {
        draw(`scanning directory: ${p.filesSeen} entries`);
      } else {
        draw('cataloging packages…');
      }
    },
    done: () => {
      if (shown) io.stderr.write(`\r${' '.repeat(Math.max(20, (io.stderr.columns || 80) - 1))}\r`);
    },
  };
}
