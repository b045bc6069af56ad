/**
 * Image references: `host[:port]/repository[:tag][@algorithm:hex]`, the grammar registries and
 * container tools share. A reference always names a registry, a repository and a tag or a digest
 * (or both: the digest then wins, and the tag is kept only to be shown).
 * @module
 */
import { UsageError } from '../errors.js';

/** The registry a reference names when its first path component is not a host. */
export const DEFAULT_REGISTRY = 'docker.io';

// One path component of a repository name, as the distribution reference grammar writes it.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
// A repository name may not be longer than this (distribution's limit on the whole name).
const MAX_NAME_LENGTH = 255;

/** True when `digest` is a well-formed `sha256:` or `sha512:` digest. */
export function isDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/** A parsed image reference. Immutable; `with*` methods return new references. */
export class ImageReference {
  /** Registry host, with its port when it has one (`ghcr.io`, `127.0.0.1:5000`, `docker.io`). */
  readonly registry: string;
  /** Repository path inside the registry (`library/debian`, `org/app`). */
  readonly repository: string;
  /** Tag, when the reference has one. */
  readonly tag: string | undefined;
  /** Digest (`sha256:<hex>`), when the reference has one. */
  readonly digest: string | undefined;

  constructor(parts: { registry: string; repository: string; tag?: string; digest?: string }) {
    const { registry, repository, tag, digest } = parts;
    if (!HOST.test(registry)) throw invalid(`${registry}/${repository}`, `invalid registry host ${JSON.stringify(registry)}`);
    if (repository.length === 0 || repository.length > MAX_NAME_LENGTH || !repository.split('/').every((c) => COMPONENT.test(c))) {
      throw invalid(`${registry}/${repository}`, `invalid repository name ${JSON.stringify(repository)}`);
    }
    if (tag !== undefined && !TAG.test(tag)) throw invalid(`${registry}/${repository}`, `invalid tag ${JSON.stringify(tag)}`);
    if (digest !== undefined && !DIGEST.test(digest)) {
      throw invalid(`${registry}/${repository}`, `invalid digest ${JSON.stringify(digest)}`);
    }
    if (tag === undefined && digest === undefined) {
      throw invalid(`${registry}/${repository}`, 'a reference needs a tag or a digest');
    }
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /** Parses `text`; see {@link parseReference}. */
  static parse(text: string): ImageReference {
    return parseReference(text);
  }

  /** `registry/repository`, without tag or digest. */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The tag or digest to ask the registry for: the digest when there is one, else the tag. */
  get identifier(): string {
    return this.digest ?? (this.tag as string);
  }

  /** The same repository, pinned to `digest` (the tag, if any, is kept for display). */
  withDigest(digest: string): ImageReference {
    return new ImageReference({ registry: this.registry, repository: this.repository, tag: this.tag, digest });
  }

  /** The same repository at `digest` alone: what a write names so that no tag moves. */
  atDigest(digest: string): ImageReference {
    return new ImageReference({ registry: this.registry, repository: this.repository, digest });
  }

  /** The same repository at `tag`, without a digest. */
  withTag(tag: string): ImageReference {
    return new ImageReference({ registry: this.registry, repository: this.repository, tag });
  }

  /** `registry/repository[:tag][@digest]`; parses back to an equal reference. */
  toString(): string {
    return `${this.name}${this.tag === undefined ? '' : `:${this.tag}`}${this.digest === undefined ? '' : `@${this.digest}`}`;
  }
}

/**
 * Parses `host[:port]/repository[:tag][@sha256:hex]`.
 *
 * As container tools do, a first component that is neither `localhost` nor contains a `.` or
 * `:` is part of the repository on `docker.io`, where a one-component name means `library/NAME`.
 * Without tag and digest the tag is `latest`. A `registry:` prefix is the caller's to strip.
 * @throws {UsageError} `INVALID_ARGUMENT` for anything that does not follow the grammar.
 */
export function parseReference(text: string): ImageReference {
  if (typeof text !== 'string' || text.length === 0 || text.length > 4096 || /\s/.test(text)) {
    throw invalid(String(text), 'expected host/repository[:tag][@digest]');
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry = DEFAULT_REGISTRY;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first === 'localhost' || first.includes('.') || first.includes(':') || first.startsWith('[')) {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && rest.length > 0 && !rest.includes('/')) rest = `library/${rest}`;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return new ImageReference({ registry, repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) });
}

/** The host that serves a registry's API: docker.io's API lives on another name. */
export function apiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? 'registry-1.docker.io' : registry;
}

function invalid(text: string, why: string): UsageError {
  return new UsageError('INVALID_ARGUMENT', `invalid image reference ${JSON.stringify(text)}: ${why}`, {
    details: { reference: text },
  });
}
