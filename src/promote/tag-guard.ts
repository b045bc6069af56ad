/**
 * Immutable tags: a promotion never moves a destination tag that already names another digest.
 * The tag is read before anything is written and again right before it is written; registries
 * have no conditional tag write, so a writer that tags in between those two reads is not seen.
 * @module
 */
import { isSealkitError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { RegistryError } from '../registry/errors.js';
import type { ImageReference } from '../registry/reference.js';

/** What the destination tag holds now. */
export type TagState = 'absent' | 'same';

/**
 * Reads `destination`'s tag: `absent` when it does not exist yet, `same` when it already names
 * `digest`.
 * @throws {RegistryError} `REGISTRY_TAG_CONFLICT` when it names another digest.
 */
export async function checkTag(client: RegistryClient, destination: ImageReference, digest: string): Promise<TagState> {
  const tag = destination.tag;
  if (tag === undefined) return 'absent';
  let current: string;
  try {
    current = (await client.resolve(destination.withTag(tag))).digest;
  } catch (error) {
    if (isSealkitError(error, 'REGISTRY_NOT_FOUND')) return 'absent';
    throw error;
  }
  if (current === digest) return 'same';
  const name = destination.withTag(tag).toString();
  throw new RegistryError(
    'REGISTRY_TAG_CONFLICT',
    `${destination.registry}: ${name}: the tag already names ${current}, not ${digest}; tags are never moved by a promotion (promote to a new tag)`,
    { details: { registry: destination.registry, reference: name, current, digest } },
  );
}
