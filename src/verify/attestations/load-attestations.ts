/**
 * Reads what the caller says attests an artifact — a Sigstore bundle, a list of them, an
 * `.intoto.jsonl` file with one bundle per line, or an npm registry attestations response —
 * into a flat list of bundle documents, each labelled with where it came from. Reading is
 * bounded: a file or stream larger than the limit is refused before it fills memory.
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { SealkitError, UsageError, throwIfAborted } from '../../errors.js';

/** One attestation, or several: see {@link loadAttestations}. */
export type AttestationInput = string | Uint8Array | Readonly<Record<string, unknown>>;
/** What verification accepts as attestations. */
export type AttestationsInput = AttestationInput | readonly AttestationInput[];

/** One bundle to verify, or the reason it could not be read as one. */
export interface AttestationDocument {
  /** Where it came from: `bundle.json`, `release.intoto.jsonl:3`, `pkg.tgz.json[provenance]`, `attestations[1]`. */
  source: string;
  /** The bundle's JSON, when the input held JSON. */
  json: unknown;
  /** Why the input is not JSON, when it is not. */
  problem: string | undefined;
  /** The predicate type the npm registry listed it under, for entries of an npm response. */
  npmPredicateType: string | undefined;
}

/** Default bound on an attestation input: far above real bundles and SBOM attestations. */
export const DEFAULT_MAX_ATTESTATION_BYTES = 64 * 1024 * 1024;

/** The npm publish attestation's predicate type. */
export const NPM_PUBLISH_PREDICATE_TYPE = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';

/** Options of {@link loadAttestations}. */
export interface LoadOptions {
  maxBytes?: number;
  signal?: AbortSignal;
}

/**
 * Flattens `input` into bundle documents. A string is JSON text when it starts with `{` or
 * `[`, else a file path.
 * @throws {SealkitError} `ARTIFACT_UNREADABLE` for an unreadable file, `LIMIT_EXCEEDED` past the bound.
 */
export async function loadAttestations(input: AttestationsInput, options: LoadOptions = {}): Promise<AttestationDocument[]> {
  try {
    return await loadAll(input, options);
  } catch (error) {
    if (error instanceof SealkitError) throw error;
    // A getter that throws, a revoked proxy: the input cannot be read, which fails verification.
    return [unreadable('the attestations', `the attestations cannot be read: ${(error as Error)?.message ?? String(error)}`)];
  }
}

async function loadAll(input: AttestationsInput, options: LoadOptions): Promise<AttestationDocument[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ATTESTATION_BYTES;
  if (Array.isArray(input)) {
    const documents: AttestationDocument[] = [];
    for (const [index, item] of (input as readonly AttestationInput[]).entries()) {
      throwIfAborted(options.signal);
      documents.push(...(await loadOne(item, `attestations[${index}]`, maxBytes)));
    }
    return documents;
  }
  return loadOne(input as AttestationInput, 'the bundle', maxBytes);
}

async function loadOne(input: AttestationInput, label: string, maxBytes: number): Promise<AttestationDocument[]> {
  if (typeof input === 'string') {
    const trimmed = input.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) return fromText(input, label, maxBytes);
    return fromText(await readBounded(input, maxBytes), input, maxBytes);
  }
  if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) throw tooLarge(label, input.byteLength, maxBytes);
    return fromText(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8'), label, maxBytes);
  }
  if (typeof input === 'object' && input !== null) return fromJson(input, label);
  throw new UsageError('INVALID_ARGUMENT', `${label}: attestations must be bundle JSON (parsed, text or bytes) or a file path`);
}

function fromText(text: string, label: string, maxBytes: number): AttestationDocument[] {
  // A character is at most three UTF-8 bytes: count the bytes only when the text could be past the limit.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) throw tooLarge(label, bytes, maxBytes);
  }
  try {
    return fromJson(JSON.parse(text) as unknown, label);
  } catch (error) {
    const lines = text.split('\n').map((line) => line.trim());
    // One JSON value per line (`.intoto.jsonl`, `.sigstore` lists): each line is its own bundle.
    if (lines.filter((line) => line !== '').length > 1) {
      return lines.flatMap((line, i) => (line === '' ? [] : jsonLine(line, `${label}:${i + 1}`)));
    }
    return [unreadable(label, `not JSON: ${(error as Error).message}`)];
  }
}

function jsonLine(line: string, source: string): AttestationDocument[] {
  try {
    return fromJson(JSON.parse(line) as unknown, source);
  } catch (error) {
    return [unreadable(source, `not JSON: ${(error as Error).message}`)];
  }
}

function fromJson(json: unknown, label: string): AttestationDocument[] {
  if (Array.isArray(json)) return json.flatMap((item, i) => fromJson(item, `${label}[${i}]`));
  if (typeof json === 'object' && json !== null && Array.isArray((json as { attestations?: unknown }).attestations)) {
    return fromNpmResponse((json as { attestations: unknown[] }).attestations, label);
  }
  return [{ source: label, json, problem: undefined, npmPredicateType: undefined }];
}

/** npm's `GET /-/npm/v1/attestations/<name>@<version>`: `{ attestations: [{ predicateType, bundle }] }`. */
function fromNpmResponse(entries: unknown[], label: string): AttestationDocument[] {
  return entries.map((entry, i) => {
    const { predicateType, bundle } = (entry ?? {}) as { predicateType?: unknown; bundle?: unknown };
    const type = typeof predicateType === 'string' ? predicateType : undefined;
    const name = type === NPM_PUBLISH_PREDICATE_TYPE ? 'publish' : type?.startsWith('https://slsa.dev/provenance/') ? 'provenance' : String(i);
    const source = `${label}[${name}]`;
    if (bundle === undefined) return unreadable(source, 'the npm attestation has no bundle');
    return { source, json: bundle, problem: undefined, npmPredicateType: type };
  });
}

async function readBounded(path: string, maxBytes: number): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (error) {
    throw unreadableFile(path, error);
  }
  if (size > maxBytes) throw tooLarge(path, size, maxBytes);
  // Read through the handle with a hard cap: the file may grow between stat and read.
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw unreadableFile(path, error);
  });
  try {
    const buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > maxBytes) throw tooLarge(path, filled, maxBytes);
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}

function unreadable(source: string, problem: string): AttestationDocument {
  return { source, json: undefined, problem, npmPredicateType: undefined };
}

function unreadableFile(path: string, error: unknown): SealkitError {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
  return new SealkitError('ARTIFACT_UNREADABLE', `cannot read the attestations ${path}: ${reason}`, { cause: error, details: { path } });
}

function tooLarge(what: string, size: number, maxBytes: number): SealkitError {
  return new SealkitError(
    'LIMIT_EXCEEDED',
    `${what} holds ${size} bytes of attestations, more than the limit of ${maxBytes} (raise maxAttestationBytes if it is genuine)`,
    { details: { size, maxBytes } },
  );
}
