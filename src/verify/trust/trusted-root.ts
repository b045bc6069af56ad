/**
 * Sigstore trusted roots (`trusted_root.json`): read, checked more strictly than the Sigstore
 * libraries check them, and turned into the trust material `@sigstore/verify` uses — once per
 * process for each distinct root, never once per bundle.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { UsageError, VerificationError } from '../../errors.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from './embedded.js';

/** A trusted root: a path to `trusted_root.json`, its JSON text or bytes, or the parsed object. */
export type TrustedRootInput = string | Uint8Array | Readonly<Record<string, unknown>>;

/** A checked trusted root, ready for verification. */
export interface LoadedTrustedRoot {
  /** Trust material without keys: the CAs, logs and timestamp authorities of the root. */
  material: TrustMaterial;
  /** Where it came from, for messages: `public-good (embedded)`, a path, or `trustedRoot option`. */
  label: string;
}

/** A trusted root file is a few KB; anything past this is not one. */
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;
/** Roots kept parsed; a process rarely uses more than two or three. */
const CACHE_SIZE = 16;

const byObject = new WeakMap<object, LoadedTrustedRoot>();
const byContent = new Map<string, LoadedTrustedRoot>();
let publicGood: LoadedTrustedRoot | undefined;

const MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
]);

/** The embedded Sigstore public-good root, parsed on first use. */
export function publicGoodTrustedRoot(): LoadedTrustedRoot {
  publicGood ??= build(PUBLIC_GOOD_TRUSTED_ROOT, 'the Sigstore public-good trusted root (embedded)');
  return publicGood;
}

/**
 * Loads and checks `input`, reusing an earlier parse of the same root.
 * @throws {SealkitError} `TRUST_ROOT_INVALID` for an unreadable or malformed root.
 */
export async function loadTrustedRoot(input: TrustedRootInput): Promise<LoadedTrustedRoot> {
  if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array)) {
    const cached = byObject.get(input);
    if (cached) return cached;
    const loaded = build(input, 'the trustedRoot option');
    byObject.set(input, loaded);
    return loaded;
  }
  if (typeof input === 'string' && !input.trimStart().startsWith('{')) {
    return fromText(await readRootFile(input), input);
  }
  if (typeof input === 'string') return fromText(input, 'the trustedRoot option');
  if (input instanceof Uint8Array) return fromText(Buffer.from(input).toString('utf8'), 'the trustedRoot option');
  throw new UsageError('INVALID_ARGUMENT', 'trustedRoot must be a path, JSON text or bytes, or a parsed trusted_root.json');
}

async function readRootFile(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_TRUSTED_ROOT_BYTES) throw new Error(`${info.size} bytes is too large for a trusted root`);
    return await readFile(path, 'utf8');
  } catch (error) {
    throw invalid(`cannot read the trusted root ${path}: ${(error as Error).message}`, error);
  }
}

function fromText(text: string, label: string): LoadedTrustedRoot {
  const key = createHash('sha256').update(text).digest('hex');
  const cached = byContent.get(key);
  if (cached) return { ...cached, label };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`${label} is not JSON: ${(error as Error).message}`, error);
  }
  const loaded = build(json, label);
  if (byContent.size >= CACHE_SIZE) byContent.delete(byContent.keys().next().value as string);
  byContent.set(key, loaded);
  return loaded;
}

function build(json: unknown, label: string): LoadedTrustedRoot {
  const problem = structureProblem(json);
  if (problem) throw invalid(`${label} is not a valid trusted root: ${problem}`);
  try {
    return { material: toTrustMaterial(TrustedRoot.fromJSON(json)), label };
  } catch (error) {
    throw invalid(`${label} is not a valid trusted root: ${(error as Error).message}`, error);
  }
}

/**
 * The checks `@sigstore/verify` leaves out. It treats a missing validity start as "since the
 * beginning of time", which would let a key trusted from some date vouch for anything signed
 * before it; the trusted-root specification makes `start` required, so a root without one is
 * refused as a whole rather than guessed at.
 */
function structureProblem(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'it is not a JSON object';
  const root = json as Record<string, unknown>;
  if (typeof root.mediaType !== 'string' || !MEDIA_TYPES.has(root.mediaType)) {
    return `unknown mediaType ${JSON.stringify(root.mediaType)}`;
  }
  for (const list of ['tlogs', 'ctlogs', 'certificateAuthorities', 'timestampAuthorities'] as const) {
    const entries = root[list] ?? [];
    if (!Array.isArray(entries)) return `${list} is not a list`;
    for (const [i, entry] of entries.entries()) {
      const where = `${list}[${i}]`;
      if (typeof entry !== 'object' || entry === null) return `${where} is not an object`;
      const record = entry as Record<string, Record<string, unknown> | undefined>;
      const validFor = list === 'tlogs' || list === 'ctlogs' ? record.publicKey?.validFor : record.validFor;
      const start = (validFor as Record<string, unknown> | undefined)?.start;
      if (typeof start !== 'string' || Number.isNaN(Date.parse(start))) {
        return `${where} has no validity start (validFor.start is required)`;
      }
      const end = (validFor as Record<string, unknown> | undefined)?.end;
      if (end !== undefined && end !== null && (typeof end !== 'string' || Number.isNaN(Date.parse(end)))) {
        return `${where} has an unreadable validity end`;
      }
      if (list === 'tlogs' || list === 'ctlogs') {
        if (typeof record.publicKey?.rawBytes !== 'string') return `${where} has no public key`;
      } else {
        const certificates = (record.certChain as { certificates?: unknown } | undefined)?.certificates;
        if (!Array.isArray(certificates) || certificates.length === 0) return `${where} has no certificate chain`;
      }
    }
  }
  return undefined;
}

function invalid(message: string, cause?: unknown): VerificationError {
  return new VerificationError('TRUST_ROOT_INVALID', message, cause === undefined ? {} : { cause });
}
