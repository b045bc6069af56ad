/**
 * JSON text of a large document in pieces, byte for byte what `JSON.stringify` writes, so that
 * a serializer can hash it or encode it without ever holding it as one string. An SBOM of a real
 * image is a few MiB of text, and a single character outside Latin-1 (a maintainer's name)
 * makes V8 store the whole of it at two bytes per character: the two strings a serializer used
 * to build (one to hash, one to print) and the copy that appending the last newline forces were
 * the largest part of its peak memory.
 * @module
 */
import type { Hash } from 'node:crypto';

/** How deep the pieces follow objects and arrays; deeper values are one piece each (a component, a package). */
const SPLIT_DEPTH = 2;

/**
 * The pieces of `JSON.stringify(value, null, space)` (`space` 0 or 2): their concatenation is
 * exactly that text. Objects and arrays near the top are split into their members; anything
 * deeper is one piece. Only what `JSON.stringify` accepts without a replacer is expected: plain
 * objects, arrays, strings, finite or non-finite numbers, booleans, null, `toJSON` holders.
 */
export function* jsonPieces(value: unknown, space: 0 | 2 = 0): Generator<string, void, undefined> {
  yield* piecesOf(prepared(value, ''), space, 0);
}

/** Feeds the UTF-8 text of `JSON.stringify(value)` to `hash`, a piece at a time. */
export function hashJson(hash: Hash, value: unknown): Hash {
  for (const piece of jsonPieces(value, 0)) hash.update(piece, 'utf8');
  return hash;
}

/** Bytes encoded into one buffer before the next is started. */
const CHUNK = 256 * 1024;

/**
 * The UTF-8 bytes of `JSON.stringify(value, null, 2)` followed by `suffix`, encoded piece by
 * piece as the pieces are made: neither the text nor its pieces are ever held all at once.
 */
export function encodeJson(value: unknown, suffix = ''): Buffer {
  const chunks: Buffer[] = [];
  let chunk = Buffer.allocUnsafe(CHUNK);
  let fill = 0;
  let total = 0;
  const put = (piece: string) => {
    const size = Buffer.byteLength(piece, 'utf8');
    if (size > chunk.length - fill) {
      chunks.push(chunk.subarray(0, fill));
      chunk = Buffer.allocUnsafe(Math.max(CHUNK, size));
      fill = 0;
    }
    fill += chunk.write(piece, fill, 'utf8');
    total += size;
  };
  for (const piece of jsonPieces(value, 2)) put(piece);
  put(suffix);
  chunks.push(chunk.subarray(0, fill));
  return Buffer.concat(chunks, total);
}

/** `value` as `JSON.stringify` sees it under `key`: after its `toJSON`, if it has one. */
function prepared(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  return value;
}

function* piecesOf(value: unknown, space: 0 | 2, depth: number): Generator<string, void, undefined> {
  if (value === null || typeof value !== 'object' || depth >= SPLIT_DEPTH) {
    yield whole(value, space, depth);
    return;
  }
  const inner = space === 0 ? '' : `\n${' '.repeat(space * (depth + 1))}`;
  const close = space === 0 ? '' : `\n${' '.repeat(space * depth)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    for (let i = 0; i < value.length; i++) {
      yield `${i === 0 ? '[' : ','}${inner}`;
      const item = prepared(value[i], String(i));
      // what JSON.stringify cannot write in an array (undefined, functions) becomes null
      yield* isWritable(item) ? piecesOf(item, space, depth + 1) : ['null'];
    }
    yield `${close}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(value)) {
    const member = prepared((value as Record<string, unknown>)[key], key);
    // …and in an object, such a member is left out
    if (!isWritable(member)) continue;
    yield `${first ? '{' : ','}${inner}${JSON.stringify(key)}${space === 0 ? ':' : ': '}`;
    first = false;
    yield* piecesOf(member, space, depth + 1);
  }
  yield first ? '{}' : `${close}}`;
}

function isWritable(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** One value as `JSON.stringify` writes it at `depth`: its own line breaks indented to that depth. */
function whole(value: unknown, space: 0 | 2, depth: number): string {
  const text = JSON.stringify(value, null, space) as string | undefined;
  if (text === undefined) return 'null';
  // a line break inside JSON text is always layout: the ones inside strings are escaped
  return space === 0 || depth === 0 ? text : text.replaceAll('\n', `\n${' '.repeat(space * depth)}`);
}
