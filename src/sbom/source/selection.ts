/**
 * Which files a scan keeps: by path (catalogers' globs) or by content (their magic numbers),
 * and how each may be stored. Built once per scan from the catalogers that apply; the sources
 * ask it about every entry they meet, so lookups are indexed rather than scanned.
 * @module
 */
import { GlobSet } from '../glob.js';

/** What the scan does with a file that is wanted. */
export interface Want {
  /** Largest size captured, in bytes; a larger file is skipped with a FILE_TOO_LARGE warning. */
  readonly max: number;
  /**
   * Every cataloger that wants the file reads it through a `FileContent`, so it may be kept out
   * of memory (spilled to a temporary file, or read in place from a directory).
   */
  readonly randomAccess: boolean;
  /** Tags of the catalogers that chose the file by its content; empty when only paths chose it. */
  readonly tags: readonly string[];
}

interface MagicRule {
  prefix: Buffer;
  max: number;
  randomAccess: boolean;
  tag: string;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** Path and content rules of one scan. */
export class Selection {
  private readonly paths = new GlobSet<Want>();
  /** Content rules by the first byte of their prefix: most files are ruled out by one lookup. */
  private readonly magic = new Map<number, MagicRule[]>();
  /** One array per distinct tag combination, so captured files share them instead of allocating. */
  private readonly tagSets = new Map<string, readonly string[]>();
  private longest = 0;

  /** Wants the files matching the root-relative `glob` (minus `exclude`). */
  addPattern(glob: string, max: number, randomAccess: boolean, exclude: readonly string[] = []): this {
    this.paths.add(glob, { max, randomAccess, tags: NO_TAGS }, exclude);
    return this;
  }

  /** Wants the regular files whose content starts with `prefix`, tagged `tag` (the cataloger's name). */
  addMagic(prefix: Buffer, max: number, randomAccess: boolean, tag: string): this {
    if (prefix.length === 0) throw new RangeError(`empty magic number for ${tag}`);
    const first = prefix[0] as number;
    const rules = this.magic.get(first) ?? [];
    rules.push({ prefix: Buffer.from(prefix), max, randomAccess, tag });
    this.magic.set(first, rules);
    this.longest = Math.max(this.longest, prefix.length);
    return this;
  }

  /** Bytes of a file's start needed to decide on its content; 0 when no rule looks at content. */
  get sniffLength(): number {
    return this.longest;
  }

  /** What the path rules want of `path` (root-relative), or undefined. */
  byPath(path: string): Want | undefined {
    const wants = this.paths.match(path);
    if (wants === undefined) return undefined;
    return wants.length === 1 ? wants[0] : wants.reduce(merge);
  }

  /** What the content rules want of a file starting with `head`, or undefined. */
  byHead(head: Buffer): Want | undefined {
    const rules = head.length === 0 ? undefined : this.magic.get(head[0] as number);
    if (rules === undefined) return undefined;
    let found: Want | undefined;
    for (const rule of rules) {
      if (!startsWith(head, rule.prefix)) continue;
      const want: Want = { max: rule.max, randomAccess: rule.randomAccess, tags: this.tagsOf([rule.tag]) };
      found = found === undefined ? want : { ...merge(found, want), tags: this.tagsOf([...found.tags, rule.tag]) };
    }
    return found;
  }

  /** Both kinds of rules together: `pathWant` from {@link byPath}, combined with the content rules. */
  decide(pathWant: Want | undefined, head: Buffer): Want | undefined {
    const byHead = this.longest === 0 ? undefined : this.byHead(head);
    if (byHead === undefined) return pathWant;
    if (pathWant === undefined) return byHead;
    return { ...merge(pathWant, byHead), tags: byHead.tags };
  }

  private tagsOf(tags: readonly string[]): readonly string[] {
    const unique = [...new Set(tags)].sort();
    const key = unique.join('\u0000');
    let shared = this.tagSets.get(key);
    if (shared === undefined) {
      shared = Object.freeze(unique);
      this.tagSets.set(key, shared);
    }
    return shared;
  }
}

/** Byte by byte: prefixes are a few bytes, where `Buffer.compare` with offsets costs more than the work. */
function startsWith(head: Buffer, prefix: Buffer): boolean {
  if (head.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (head[i] !== prefix[i]) return false;
  return true;
}

/** Two wants of one file: the larger size, and out of memory only when every reader allows it. */
function merge(a: Want, b: Want): Want {
  return { max: Math.max(a.max, b.max), randomAccess: a.randomAccess && b.randomAccess, tags: NO_TAGS };
}
