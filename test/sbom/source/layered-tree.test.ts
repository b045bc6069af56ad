import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogFile } from '../../../src/sbom/catalog/cataloger.js';
import { DEFAULT_LIMITS } from '../../../src/sbom/source/layered-tree.js';
import { openSource } from '../../../src/sbom/source/open-source.js';
import type { ScannedSource } from '../../../src/sbom/source/scanned-source.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { SpillArea } from '../../../src/sbom/source/spill-area.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { ELF_MAGIC, executableLike, ociLayoutFiles, tempDir, writeTar, type TestImage } from '../../support/image-builder.js';

const TAG = 'probe';
const SIZE = 2000;
const file = (path: string) => ({ path, content: executableLike(SIZE, path) });

/**
 * Layer 0 spills five executables; layer 1 deletes one by a whiteout, one by replacing it,
 * one under an opaque directory and one whose hard link survives, and keeps the fifth.
 */
const image: TestImage = {
  layers: [
    {
      entries: [
        file('opt/deleted'),
        file('opt/replaced'),
        file('opt/kept'),
        file('srv/app/under-opaque'),
        file('usr/bin/linked'),
        { path: 'usr/bin/link', hardlink: 'usr/bin/linked' },
      ],
    },
    {
      entries: [
        { path: 'opt/.wh.deleted', content: '' },
        { path: 'opt/replaced', content: 'a text file now\n' },
        { path: 'srv/.wh..wh..opq', content: '' },
        { path: 'usr/bin/.wh.linked', content: '' },
      ],
    },
  ],
};

const chosen = { matches: () => false, tag: TAG, randomAccess: true };
const paths = (files: CatalogFile[]) => files.map((f) => f.path);

describe('files kept out of memory across layers', () => {
  let dir: string;
  let archive: string;
  const opened: Array<{ scanned: ScannedSource; spill: SpillArea }> = [];
  beforeAll(async () => {
    dir = await tempDir();
    archive = await writeTar(join(dir, 'image.tar'), await ociLayoutFiles([image]));
  });
  afterEach(async () => {
    for (const { scanned, spill } of opened.splice(0)) {
      await scanned.close();
      spill.dispose();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function scan(releaseHidden: boolean, maxSpillBytes = DEFAULT_LIMITS.maxSpillBytes) {
    const spill = new SpillArea(maxSpillBytes);
    const scanned = await openSource(archive, {
      platform: 'linux/amd64',
      selectionFor: () => new Selection().addMagic(ELF_MAGIC, 1 << 20, true, TAG),
      limits: { ...DEFAULT_LIMITS, spillThreshold: 100, maxSpillBytes },
      spill,
      releaseHidden,
    });
    opened.push({ scanned, spill });
    return { scanned, spill, first: new TreeView(scanned.tree, 0), last: new TreeView(scanned.tree, 1) };
  }

  it('the last view shows what whiteouts, replacements and opaque directories left, through any reader', async () => {
    for (const releaseHidden of [false, true]) {
      const { last } = await scan(releaseHidden);
      const files = last.files(chosen);
      expect(paths(files)).toEqual(['/opt/kept', '/usr/bin/link']);
      expect(files[1]?.reader?.read(4, 14).toString()).toBe('usr/bin/linked');
    }
  });

  it('squashed: a spilled file a later layer hides is released during the scan, unless a hard link still shows it', async () => {
    const { spill, first } = await scan(true);
    expect(spill.bytesInUse).toBe(2 * SIZE);
    // the first view no longer sees the released files: only the last view is reported
    expect(paths(first.files(chosen))).toEqual(['/opt/kept', '/usr/bin/link', '/usr/bin/linked']);
  });

  it('all layers: every spilled file stays readable in the view of its layer', async () => {
    const { spill, first } = await scan(false);
    expect(spill.bytesInUse).toBe(5 * SIZE);
    const files = first.files(chosen);
    expect(paths(files)).toEqual(['/opt/deleted', '/opt/kept', '/opt/replaced', '/srv/app/under-opaque', '/usr/bin/link', '/usr/bin/linked']);
    for (const f of files) expect(f.reader?.read(SIZE - 32, 32).toString().trim()).toBe(f.path === '/usr/bin/link' ? 'usr/bin/linked' : f.path.slice(1));
  });

  it('released bytes make room under the spill limit', async () => {
    const later: TestImage = {
      layers: [{ entries: [file('opt/a')] }, { entries: [{ path: 'opt/.wh.a', content: '' }, file('opt/b')] }],
    };
    const path = await writeTar(join(dir, 'swap.tar'), await ociLayoutFiles([later]));
    for (const releaseHidden of [true, false]) {
      const spill = new SpillArea(SIZE);
      const scanned = await openSource(path, {
        platform: 'linux/amd64',
        selectionFor: () => new Selection().addMagic(ELF_MAGIC, 1 << 20, true, TAG),
        limits: { ...DEFAULT_LIMITS, spillThreshold: 100, maxSpillBytes: SIZE },
        spill,
        releaseHidden,
      });
      opened.push({ scanned, spill });
      const last = paths(new TreeView(scanned.tree, 1).files(chosen));
      if (releaseHidden) {
        expect(last).toEqual(['/opt/b']);
        expect(scanned.tree.warnings).toEqual([]);
      } else {
        expect(last).toEqual([]);
        expect(scanned.tree.warnings).toMatchObject([{ code: 'FILE_TOO_LARGE', path: '/opt/b', layer: scanned.description.layers[1]?.diffID }]);
      }
    }
  });
});
