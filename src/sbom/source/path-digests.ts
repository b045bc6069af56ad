/**
 * The paths of every entry of a layer that was recorded before its place in the image was known
 * (a layer streamed by before the manifest that orders it). Whether such a layer replaced a path
 * a lower layer recorded can only be asked once the order is known; keeping every path as a
 * string would cost memory that grows with the image, so each is kept as a 64-bit digest:
 * 8 bytes per entry, a million-file layer in 8 MB. Two different paths share a digest with a
 * probability of about 2^-64 per pair, far below the chance of a corrupt read.
 * @module
 */

const INITIAL = 1024;

/** Multiplies a 32-bit lane's bits around (MurmurHash3's finalizer): every input bit reaches every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Writes the two 32-bit lanes of `path`'s digest at `words[at]` and `words[at + 1]`. */
function digest(path: string, words: Uint32Array, at: number): void {
  // Two independent multiplicative lanes (FNV-1a's prime, MurmurHash2's constant), crossed at the end.
  let a = 0x811c9dc5 ^ path.length;
  let b = 0x9e3779b9;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = mix(a ^ Math.imul(b, 0x27d4eb2d));
  b = mix(b ^ a);
  words[at] = a;
  words[at + 1] = b;
}

/** A set of paths kept as digests: {@link add} while a layer streams, {@link seal} once, then {@link has}. */
export class PathDigests {
  private values = new BigUint64Array(INITIAL);
  private words = new Uint32Array(this.values.buffer);
  private count = 0;
  private sealed = false;
  /** One digest, written through its two lanes and read back as one 64-bit value. */
  private readonly probe = new BigUint64Array(1);
  private readonly probeWords = new Uint32Array(this.probe.buffer);

  /** Number of paths added (duplicates included until sealed). */
  get size(): number {
    return this.count;
  }

  add(path: string): void {
    if (this.sealed) throw new Error('PathDigests: add after seal');
    if (this.count === this.values.length) {
      const grown = new BigUint64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
      this.words = new Uint32Array(grown.buffer);
    }
    digest(path, this.words, this.count * 2);
    this.count++;
  }

  /** Sorts the digests for lookups and gives back the unused capacity. */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.values = this.values.slice(0, this.count).sort();
    this.words = new Uint32Array(0);
  }

  /** True when `path` (or, rarely, a path with the same 64-bit digest) was added. */
  has(path: string): boolean {
    if (!this.sealed) throw new Error('PathDigests: has before seal');
    if (this.count === 0) return false;
    digest(path, this.probeWords, 0);
    const wanted = this.probe[0] as bigint;
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.values[middle] as bigint;
      if (value === wanted) return true;
      if (value < wanted) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }
}

/** The entries of one layer recorded on its own: non-directories and directories, by path. */
export class LayerPaths {
  readonly nonDirectories = new PathDigests();
  readonly directories = new PathDigests();

  /** Records one entry; whiteouts are deletions the layer's own record holds. */
  add(path: string, type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'): void {
    if (type === 'directory') this.directories.add(path);
    else if (type === 'file' || type === 'other') {
      const slash = path.lastIndexOf('/');
      if (!path.startsWith('.wh.', slash + 1)) this.nonDirectories.add(path);
    }
    // Links are recorded as nodes of the layer's own record: no digest needed.
  }

  seal(): void {
    this.nonDirectories.seal();
    this.directories.seal();
  }
}
