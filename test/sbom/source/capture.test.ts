import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Capturer } from '../../../src/sbom/source/capture.js';
import { DEFAULT_LIMITS, LayeredTree, type CaptureLimits } from '../../../src/sbom/source/layered-tree.js';
import { streamLayer } from '../../../src/sbom/source/layer-stream.js';
import { Selection } from '../../../src/sbom/source/selection.js';
import { SpillArea } from '../../../src/sbom/source/spill-area.js';
import { TreeView } from '../../../src/sbom/source/tree-view.js';
import { ELF_MAGIC, chunkedLayerStore, executableLike, tarOf, type TestEntry } from '../../support/image-builder.js';

const TAG = 'probe';
const tool = executableLike(3000, 'tool@1.0');
const odd = executableLike(700, 'odd@2.0');
const both = Buffer.concat([ELF_MAGIC, Buffer.from(' chosen by its name and by its content')]);

const entries: TestEntry[] = [
  { path: 'usr/bin/tool', content: tool },
  { path: 'usr/bin/tool-hardlink', hardlink: 'usr/bin/tool' },
  { path: 'usr/bin/tool-symlink', symlink: 'tool' },
  { path: 'opt/any name at all.dat', content: odd },
  { path: 'etc/hello.txt', content: 'hello, not an executable\n' },
  { path: 'tiny', content: Buffer.from([0x7f, 0x45]) },
  { path: 'empty', content: '' },
  { path: 'data/both.bin', content: both },
];

/** The content rules of a random-access cataloger tagged `probe`, and a byte-reading one's path rule. */
function selection(): Selection {
  return new Selection().addMagic(ELF_MAGIC, 1 << 20, true, TAG).addPattern('data/*.bin', 1 << 20, false);
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const spills: SpillArea[] = [];
afterEach(() => {
  for (const spill of spills.splice(0)) spill.dispose();
});

async function capture(step: number, limits: Partial<CaptureLimits> = {}, list: readonly TestEntry[] = entries) {
  const archive = await tarOf(list);
  const spill = new SpillArea(limits.maxSpillBytes ?? DEFAULT_LIMITS.maxSpillBytes);
  spills.push(spill);
  const tree = new LayeredTree([undefined], selection(), { ...DEFAULT_LIMITS, ...limits });
  const capturer = new Capturer(tree, spill);
  const { store, layer } = chunkedLayerStore(archive, step);
  await streamLayer(store, layer, { entry: (entry) => capturer.sink(0, entry) });
  return { tree, spill, view: new TreeView(tree, 0) };
}

describe('capturing files by their first bytes from a layer stream', () => {
  for (const step of [1, 2, 3, 5, 7, 511, 512, 513, 4099, 1 << 20]) {
    it(`recognises the magic number wherever the chunks split it (chunks of ${step} bytes)`, async () => {
      const { view, tree, spill } = await capture(step, { spillThreshold: 1024 });
      const files = view.files({ matches: () => false, tag: TAG, randomAccess: true });
      // any name; a hard link is the same file; a symlink, a short file and plain text are not chosen
      expect(files.map((f) => f.path)).toEqual(['/data/both.bin', '/opt/any name at all.dat', '/usr/bin/tool', '/usr/bin/tool-hardlink']);
      const expected = new Map([
        ['/data/both.bin', both],
        ['/opt/any name at all.dat', odd],
        ['/usr/bin/tool', tool],
        ['/usr/bin/tool-hardlink', tool],
      ]);
      for (const file of files) {
        expect(file.content).toHaveLength(0);
        const reader = file.reader!;
        const original = expected.get(file.path)!;
        expect(reader.size).toBe(original.length);
        expect(sha(reader.read(0, reader.size))).toBe(sha(original));
        expect(reader.read(reader.size - 32, 1000).toString('latin1').trim()).toBe(original.subarray(-32).toString('latin1').trim());
        expect(reader.read(reader.size + 5, 10)).toHaveLength(0);
      }
      // the 3000-byte file is over the 1024-byte threshold: on disk, not in memory
      expect(spill.bytesInUse).toBe(tool.length);
      expect(tree.nodeAt(0, 'etc/hello.txt')).toBeUndefined();
      expect(tree.nodeAt(0, 'tiny')).toBeUndefined();
    });
  }

  it('keeps a file a byte-reading cataloger wants for its path in memory, tagged for the content rule too', async () => {
    const { view, spill } = await capture(64, { spillThreshold: 8 });
    const [byName] = view.files({ matches: (path) => path === 'data/both.bin' });
    expect(byName?.content.equals(both)).toBe(true);
    expect(byName?.reader).toBeUndefined();
    // over the threshold, but a reader that wants bytes forbids spilling it
    expect(spill.bytesInUse).toBe(tool.length + odd.length);
  });

  it('keeps small random-access files in memory only while their budget lasts', async () => {
    const small = [
      { path: 'a', content: executableLike(600, 'a') },
      { path: 'b', content: executableLike(600, 'b') },
      { path: 'c', content: executableLike(300, 'c') },
    ];
    const { view, spill } = await capture(100, { spillThreshold: 1024, maxRandomAccessMemory: 1000 }, small);
    // a fits, b would pass the budget and is spilled, c still fits
    expect(spill.bytesInUse).toBe(600);
    expect(view.files({ matches: () => false, tag: TAG, randomAccess: true }).map((f) => f.reader!.read(4, 1).toString())).toEqual(['a', 'b', 'c']);
  });

  it('skips a file that would pass the spill limit with a FILE_TOO_LARGE warning naming it', async () => {
    const big = [
      { path: 'first', content: executableLike(3000, 'first') },
      { path: 'second', content: executableLike(3000, 'second') },
      { path: 'third', content: executableLike(1000, 'third') },
    ];
    const { view, tree, spill } = await capture(1000, { spillThreshold: 100, maxSpillBytes: 4500 }, big);
    expect(view.files({ matches: () => false, tag: TAG, randomAccess: true }).map((f) => f.path)).toEqual(['/first', '/third']);
    expect(spill.bytesInUse).toBe(4000);
    expect(tree.warnings).toEqual([
      { code: 'FILE_TOO_LARGE', path: '/second', message: 'skipped /second: 3000 bytes would take the temporary files past their 4500-byte limit' },
    ]);
  });

  it('skips a file larger than its cataloger accepts with a warning, without reading it', async () => {
    const big = [{ path: 'huge', content: executableLike(5000, 'huge') }];
    const archive = await tarOf(big);
    const tree = new LayeredTree([undefined], new Selection().addMagic(ELF_MAGIC, 4096, true, TAG), DEFAULT_LIMITS);
    const spill = new SpillArea(1 << 20);
    spills.push(spill);
    const capturer = new Capturer(tree, spill);
    const { store, layer } = chunkedLayerStore(archive, 3);
    await streamLayer(store, layer, { entry: (entry) => capturer.sink(0, entry) });
    expect(tree.warnings).toMatchObject([{ code: 'FILE_TOO_LARGE', path: '/huge' }]);
    expect(spill.directory).toBeUndefined();
  });

  it('without content rules, no file is opened for its first bytes', async () => {
    const archive = await tarOf(entries);
    const tree = new LayeredTree([undefined], new Selection().addPattern('etc/hello.txt', 100, false), DEFAULT_LIMITS);
    const capturer = new Capturer(tree);
    const sinks: string[] = [];
    const { store, layer } = chunkedLayerStore(archive, 512);
    await streamLayer(store, layer, {
      entry: (entry) => {
        const sink = capturer.sink(0, entry);
        if (sink) sinks.push(entry.path);
        return sink;
      },
    });
    expect(sinks).toEqual(['etc/hello.txt']);
  });
});
