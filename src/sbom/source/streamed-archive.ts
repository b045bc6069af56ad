/**
 * Image archives read front to back in one pass: a compressed archive (`docker save | gzip`),
 * standard input (`docker save app | sealkit sbom docker-archive:-`) or a stream handed over by
 * the caller. Such an archive cannot be indexed, and its manifest usually comes after its layers
 * (`docker save` and skopeo write blobs first), so each member is dealt with as it streams by:
 *
 * - JSON documents (manifests, indexes, configs, and attestations nobody may need) are kept:
 *   small ones in memory up to a total, larger ones in a temporary file;
 * - a member whose first bytes are those of a layer (gzip, zstd or tar) is read at once into a
 *   record of its own, keyed by its name, with the same capture rules as an indexed layer, and
 *   hashed as it streams (its content digest for a compressed blob named by one, else its diffID);
 * - anything else is skipped.
 *
 * At the end the image is planned from the documents, exactly as for an indexed archive, and the
 * layer records are adopted in the manifest's order: a layer the manifest lists twice is used
 * twice, layers it does not list are dropped (their temporary files released), and a layer that
 * does not hash to its digest or diffID fails the scan. Memory holds what an indexed scan holds
 * (captured files) plus the small documents and 8 bytes per layer entry.
 * @module
 */
import { SealkitError, SourceError, throwIfAborted } from '../../errors.js';
import { peek, type ArchiveInput } from './archive-input.js';
import { MAX_DOCUMENT_SIZE, normalizeRelative, type BlobStore } from './blob-store.js';
import { Capturer, type MemoryBudget } from './capture.js';
import { decompressChunks, sniffCompression, type Compression } from './decompress.js';
import { planDockerArchive, planOciLayout, type ImagePlan, type PlannedLayer } from './image-plan.js';
import { FETCH_MAX_BYTES, describe, memorySink, takeMissing } from './image.js';
import type { ExternalFile } from './external-file.js';
import { DEFAULT_LIMITS, LayeredTree, imagePath, type CaptureLimits } from './layered-tree.js';
import { checkLayerHashes, layerHashing, readLayer, type EntryVisitor, type LayerHashes } from './layer-stream.js';
import { LayerPaths } from './path-digests.js';
import type { ScanOptions, ScannedSource } from './scanned-source.js';
import { SpillWriter } from './spill-area.js';
import { BLOCK, checksumMatches, isZero } from './tar-header.js';
import { normalizeMemberName } from './tar-index.js';
import { TarStreamReader, type StreamedMember } from './tar-stream-reader.js';

/** JSON documents kept in memory from one stream, in all: far above any real image's manifests and configs. */
export const MAX_STREAM_DOCUMENTS = 64 * 1024 * 1024;
/**
 * Documents larger than this go to a temporary file: manifests and configs are a few kilobytes,
 * while the SBOMs and provenance that buildx attaches to each platform run to megabytes, and a
 * stream must keep them all until its index says which it needs.
 */
const SPILL_DOCUMENTS_ABOVE = 1024 * 1024;
/** Bytes read past the end-of-archive marker: writers pad to whole records, a decompressor checks its trailer. */
const MAX_TRAILER = 1024 * 1024;
/** Members with these names are documents whatever their first bytes. */
const DOCUMENT_NAMES = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);

/** A layer blob recorded as it streamed by, before its place in the image was known. */
interface RecordedLayer {
  tree: LayeredTree;
  paths: LayerPaths;
  hashes: LayerHashes;
  /** The digest the blob is named by (`blobs/sha256/<hex>`), if any. */
  nameDigest?: string;
}

type Member = { size: number; occurrence: number } & (
  | { kind: 'document'; data: Buffer | ExternalFile }
  /** A document over {@link MAX_DOCUMENT_SIZE}, or one that could be kept neither in memory nor in a temporary file. */
  | { kind: 'unkept'; why: 'too-large' | 'total' }
  | { kind: 'layer'; layer: RecordedLayer }
  /** A layer blob that could not be read; an error only if the image uses it. */
  | { kind: 'failed'; error: SealkitError }
  /** Neither a document nor a layer. */
  | { kind: 'other' }
);

interface MemberLink {
  type: 'symlink' | 'hardlink';
  target: string;
}

/** The members of a streamed archive, as the image planner reads them. */
class StreamedArchive implements BlobStore {
  readonly members = new Map<string, Member>();
  readonly links = new Map<string, MemberLink>();
  /** Times each name was met: a later member of the same name replaces an earlier one. */
  readonly occurrences = new Map<string, number>();
  documentBytes = 0;
  layersMet = 0;

  constructor(readonly path: string) {}

  /** The member `name` leads to, through the archive's own links (docker save links duplicate layers). */
  resolve(name: string): string | undefined {
    let current = normalizeMemberName(name);
    for (let hops = 0; hops < 8; hops++) {
      if (this.members.has(current)) return current;
      const link = this.links.get(current);
      if (link === undefined) return undefined;
      const target = link.type === 'symlink' && !link.target.startsWith('/') ? normalizeRelative(current, link.target) : normalizeMemberName(link.target);
      if (target === undefined) return undefined;
      current = target;
    }
    return undefined;
  }

  private member(name: string): Member {
    const resolved = this.resolve(name);
    const member = resolved === undefined ? undefined : this.members.get(resolved);
    if (member === undefined) {
      throw new SourceError('BLOB_MISSING', `${this.path} has no ${name}`, { details: { path: this.path, name } });
    }
    return member;
  }

  async has(name: string): Promise<boolean> {
    return this.resolve(name) !== undefined;
  }

  async size(name: string): Promise<number> {
    return this.member(name).size;
  }

  async read(name: string): Promise<Buffer> {
    const member = this.member(name);
    if (member.kind === 'document') return Buffer.isBuffer(member.data) ? member.data : member.data.readAll();
    if (member.kind === 'unkept' && member.why === 'total') {
      throw new SourceError('LIMIT_EXCEEDED', `${name} in ${this.path} was not kept: it is too large for the memory left to the JSON documents of a streamed archive (${MAX_STREAM_DOCUMENTS} bytes) and there is no temporary file for it`, {
        details: { path: this.path, name },
      });
    }
    if (member.kind === 'unkept') {
      throw new SourceError('MANIFEST_INVALID', `${name} in ${this.path} is ${member.size} bytes, too large for an image document`, {
        details: { path: this.path, name, size: member.size },
      });
    }
    throw new SourceError('MANIFEST_INVALID', `${name} in ${this.path} is not a JSON document`, { details: { path: this.path, name } });
  }

  async head(): Promise<Buffer> {
    throw new Error('a streamed archive cannot be read again by name');
  }

  // eslint-disable-next-line require-yield
  async *chunks(): AsyncGenerator<Buffer> {
    throw new Error('a streamed archive cannot be read again by name');
  }

  async close(): Promise<void> {}

  /** The recorded layer `name` holds, for `planned`; a member that is no readable layer is an error now. */
  layer(planned: PlannedLayer): RecordedLayer {
    const member = this.member(planned.blob);
    if (member.kind === 'layer') return member.layer;
    if (member.kind === 'failed') throw member.error;
    throw new SourceError('LAYER_CORRUPT', `layer ${planned.index} (${planned.diffID}) of ${this.path} is not a valid tar stream: ${planned.blob} is neither tar, gzip nor zstd`, {
      details: { layer: planned.blob },
    });
  }

  /** Replaces whatever `name` was; an earlier layer record's temporary files are released. */
  set(name: string, member: Member): void {
    this.drop(name);
    this.members.set(name, member);
  }

  drop(name: string): void {
    const old = this.members.get(name);
    if (old?.kind === 'layer') old.layer.tree.releaseExternal();
    if (old?.kind === 'document' && !Buffer.isBuffer(old.data)) old.data.release();
    this.members.delete(name);
    this.links.delete(name);
  }

  /** Releases the temporary files of every recorded layer not in `used`, and of the documents, read by now. */
  releaseUnused(used: ReadonlySet<RecordedLayer>): void {
    for (const member of this.members.values()) {
      if (member.kind === 'layer' && !used.has(member.layer)) member.layer.tree.releaseExternal();
      if (member.kind === 'document' && !Buffer.isBuffer(member.data)) member.data.release();
    }
  }
}

/** The digest a blob is named by in an OCI layout (`blobs/sha256/<hex>`), if it is. */
function digestOfName(name: string): string | undefined {
  const match = /^blobs\/(sha256|sha512)\/([a-f0-9]{64}|[a-f0-9]{128})$/.exec(name);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

function looksLikeJson(head: Buffer): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/** A layer blob starts with gzip's or zstd's magic number or a tar header (all zeros for an empty tar). */
function looksLikeLayer(head: Buffer, size: number): boolean {
  if (size === 0 || sniffCompression(head) !== 'none') return true;
  return head.length >= BLOCK && (isZero(head) || checksumMatches(head));
}

/** The first `length` bytes of `body`, copied, and the rest of it, still to be read. */
async function splitHead(body: AsyncIterable<Buffer>, length: number): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer> }> {
  const iterator = body[Symbol.asyncIterator]();
  const head = Buffer.allocUnsafe(length);
  let fill = 0;
  let leftover: Buffer | undefined;
  while (fill < length) {
    const result = await iterator.next();
    if (result.done === true) break;
    const piece = result.value;
    const take = Math.min(length - fill, piece.length);
    piece.copy(head, fill, 0, take);
    fill += take;
    // Still valid: nothing more was asked of the body.
    if (take < piece.length) leftover = piece.subarray(take);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (leftover !== undefined) yield leftover;
    for (;;) {
      const result = await iterator.next();
      if (result.done === true) return;
      yield result.value;
    }
  }
  return { head: head.subarray(0, fill), rest: rest() };
}

async function* prepend(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* rest;
}

/** The raw input, decompressed if it is, as a tar reader. */
async function openArchive(input: ArchiveInput, signal: AbortSignal | undefined, onBytes?: (bytes: number) => void): Promise<TarStreamReader> {
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of input.open(signal)) {
      onBytes?.(chunk.length);
      yield chunk;
    }
  }
  const { head, chunks } = await peek(counted(), 4);
  const compression: Compression = sniffCompression(head);
  const what = compression === 'none' ? 'tar archive' : `${compression}-compressed tar archive`;
  return new TarStreamReader(decompressChunks(chunks, compression), input.label, what);
}

/** Reads the whole archive once, recording documents and layer blobs by name. */
async function recordArchive(input: ArchiveInput, options: ScanOptions): Promise<StreamedArchive> {
  const archive = new StreamedArchive(input.label);
  const limits: CaptureLimits = options.limits ?? DEFAULT_LIMITS;
  const budget: MemoryBudget = { randomAccessBytes: 0 };
  let bytesRead = 0;
  // Limits hold for all layer records together, as for the one tree of an indexed scan.
  let capturedBytes = 0;
  let recordedPaths = 0;
  const progress = () =>
    options.onProgress?.({ phase: 'stream', bytesRead, ...(input.size !== undefined ? { bytesTotal: input.size } : {}), layers: archive.layersMet });

  const recordLayer = async (name: string, member: StreamedMember, head: Buffer, rest: AsyncIterable<Buffer>): Promise<Member> => {
    const compression = sniffCompression(head);
    const nameDigest = digestOfName(name);
    const tree = new LayeredTree([undefined], options.selection, {
      ...limits,
      maxTotalBytes: limits.maxTotalBytes - capturedBytes,
      maxRecords: limits.maxRecords - recordedPaths,
    });
    const capturer = new Capturer(tree, options.spill, budget);
    const paths = new LayerPaths();
    const visitor: EntryVisitor = {
      entry: (entry) => {
        paths.add(entry.path, entry.type);
        return capturer.sink(0, entry);
      },
    };
    archive.layersMet++;
    progress();
    try {
      const hashes = await readLayer(prepend(head, rest), compression, `${name} in ${input.label}`, visitor, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...layerHashing(compression, nameDigest),
      });
      paths.seal();
      capturedBytes += tree.capturedBytes;
      recordedPaths += tree.recordedPaths;
      return { kind: 'layer', size: member.size, occurrence: 0, layer: { tree, paths, hashes, ...(nameDigest ? { nameDigest } : {}) } };
    } catch (error) {
      tree.releaseExternal();
      // A layer the image may not even use is judged once the manifest says it does.
      if (error instanceof SealkitError && (error.code === 'LAYER_CORRUPT' || error.code === 'LAYER_PATH_ESCAPE')) {
        return { kind: 'failed', size: member.size, occurrence: 0, error };
      }
      throw error;
    }
  };

  /** A large document in a temporary file, or undefined when there is none (it is then kept in memory if it fits). */
  const spillDocument = async (name: string, size: number, head: Buffer, rest: AsyncGenerator<Buffer>): Promise<ExternalFile | undefined> => {
    const writer = options.spill?.begin(size, `${name} in ${input.label}`);
    if (!(writer instanceof SpillWriter)) return undefined;
    try {
      writer.write(head);
      for await (const piece of rest) writer.write(piece);
      return writer.finish();
    } catch (error) {
      writer.abandon();
      if (error instanceof SealkitError) throw error;
      throw new SourceError('LIMIT_EXCEEDED', `cannot keep ${name} of ${input.label} in a temporary file: ${(error as Error).message}`, { cause: error });
    }
  };

  const recordFile = async (name: string, member: StreamedMember): Promise<Member> => {
    const { head, rest } = await splitHead(member.body, Math.min(member.size, BLOCK));
    if (DOCUMENT_NAMES.has(name) || looksLikeJson(head)) {
      if (member.size > MAX_DOCUMENT_SIZE) return { kind: 'unkept', why: 'too-large', size: member.size, occurrence: 0 };
      const spilled = member.size > SPILL_DOCUMENTS_ABOVE ? await spillDocument(name, member.size, head, rest) : undefined;
      if (spilled !== undefined) return { kind: 'document', data: spilled, size: member.size, occurrence: 0 };
      if (archive.documentBytes + member.size > MAX_STREAM_DOCUMENTS) return { kind: 'unkept', why: 'total', size: member.size, occurrence: 0 };
      const data = Buffer.allocUnsafe(member.size);
      let fill = head.copy(data);
      for await (const piece of rest) fill += piece.copy(data, fill);
      archive.documentBytes += member.size;
      return { kind: 'document', data, size: member.size, occurrence: 0 };
    }
    if (looksLikeLayer(head, member.size)) return recordLayer(name, member, head, rest);
    return { kind: 'other', size: member.size, occurrence: 0 };
  };

  const reader = await openArchive(input, options.signal, (bytes) => {
    bytesRead += bytes;
    progress();
  });
  try {
    for await (const member of reader.members()) {
      throwIfAborted(options.signal);
      const name = normalizeMemberName(member.name);
      if (name === '') continue;
      const occurrence = (archive.occurrences.get(name) ?? 0) + 1;
      archive.occurrences.set(name, occurrence);
      if (member.typeFlag === '1' || member.typeFlag === '2') {
        archive.drop(name);
        archive.links.set(name, { type: member.typeFlag === '1' ? 'hardlink' : 'symlink', target: member.linkName });
      } else if (member.typeFlag === '0' || member.typeFlag === '7') {
        archive.set(name, { ...(await recordFile(name, member)), occurrence });
      }
    }
    await reader.drain(MAX_TRAILER);
    return archive;
  } catch (error) {
    archive.releaseUnused(new Set());
    throw error;
  } finally {
    await reader.close();
  }
}

/**
 * Scans an image archive read front to back from `input`. `scheme` says what it is; left out,
 * a `manifest.json` makes it a docker-archive, else it is read as an OCI archive.
 */
export async function scanStreamedArchive(
  scheme: 'docker-archive' | 'oci-archive' | undefined,
  input: ArchiveInput,
  options: ScanOptions,
): Promise<ScannedSource> {
  const archive = await recordArchive(input, options);
  try {
    const kind = scheme ?? ((await archive.has('manifest.json')) ? 'docker-archive' : 'oci-archive');
    if (kind === 'docker-archive' && !(await archive.has('manifest.json'))) {
      throw new SourceError('NOT_AN_IMAGE', `${input.label} has no manifest.json: it is not a docker-archive image`, { details: { path: input.label } });
    }
    const plan =
      kind === 'docker-archive'
        ? await planDockerArchive(archive, options.platform, input.fallbackName)
        : await planOciLayout(archive, options.platform, input.fallbackName);
    // A stream's layers may be listed twice and share their files: nothing is released early.
    const tree = new LayeredTree(
      plan.layers.map((layer) => layer.diffID),
      options.selection,
      options.limits,
    );
    const used = new Set<RecordedLayer>();
    for (const layer of plan.layers) {
      const recorded = archive.layer(layer);
      const label = `layer ${layer.index} (${layer.diffID}) of ${input.label}`;
      // A docker manifest may name a blob through a link: the blob's own name is its digest.
      const digest = layer.digest ?? recorded.nameDigest;
      checkLayerHashes({ ...layer, ...(digest !== undefined ? { digest } : {}) }, recorded.hashes, label, input.label);
      tree.adopt(layer.index, recorded.tree, recorded.paths);
      used.add(recorded);
    }
    archive.releaseUnused(used);
    return {
      kind: 'image',
      description: describe(kind, input.location, plan),
      tree,
      fetchMissing: () => fetchMissing(input, archive, plan, tree, options),
      close: async () => undefined,
    };
  } catch (error) {
    archive.releaseUnused(new Set());
    throw error;
  }
}

/**
 * The second pass for link targets nobody asked for: the archive is read again when it is a file;
 * a stream cannot be, and each such target is reported instead.
 */
async function fetchMissing(input: ArchiveInput, archive: StreamedArchive, plan: ImagePlan, tree: LayeredTree, options: ScanOptions): Promise<boolean> {
  const request = takeMissing(tree);
  if (request === undefined) return false;
  const { wanted, ancestors } = request;
  if (!input.reopenable) {
    for (const path of wanted) {
      tree.warn(
        'LINK_NOT_FOLLOWED',
        `${imagePath(path)} is reached through a link, but no cataloger asked for it and ${input.label} cannot be read a second time to fetch it`,
        path,
      );
      tree.searched.add(path);
    }
    return false;
  }
  // Which layers each blob (by its resolved name) is, and which occurrence of the name the first pass kept.
  const layersOf = new Map<string, number[]>();
  for (const layer of plan.layers) {
    const name = archive.resolve(layer.blob) as string;
    layersOf.set(name, [...(layersOf.get(name) ?? []), layer.index]);
  }
  const seen = new Map<string, number>();
  const reader = await openArchive(input, options.signal);
  try {
    for await (const member of reader.members()) {
      throwIfAborted(options.signal);
      const name = normalizeMemberName(member.name);
      const occurrence = (seen.get(name) ?? 0) + 1;
      seen.set(name, occurrence);
      const layers = layersOf.get(name);
      if (layers === undefined || occurrence !== archive.members.get(name)?.occurrence) continue;
      const { head, rest } = await splitHead(member.body, 4);
      const visitor: EntryVisitor = {
        entry: (entry) => {
          const into = layers.filter((index) => tree.recordFetch(index, entry, wanted, ancestors));
          if (into.length === 0) return undefined;
          if (entry.size > FETCH_MAX_BYTES) {
            for (const index of into) tree.warn('FILE_TOO_LARGE', `skipped /${entry.path}: ${entry.size} bytes is over the ${FETCH_MAX_BYTES}-byte limit`, entry.path, index);
            return undefined;
          }
          return memorySink(entry.size, (content) => {
            for (const index of into) tree.capture(index, entry.path, content);
          });
        },
      };
      await readLayer(prepend(head, rest), sniffCompression(head), `${name} in ${input.label}`, visitor, {
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
  } finally {
    await reader.close();
  }
  for (const path of wanted) tree.searched.add(path);
  return true;
}
