/**
 * Builders trusted for SLSA Build L3: the table sealkit ships (slsa-github-generator's
 * reusable workflows, which generate and sign provenance out of reach of the workflow that
 * calls them) plus the ones a caller adds. A builder is named by its workflow URI without the
 * ref; default builders must run from a release tag, as their releases are immutable.
 * @module
 */
import { splitRef } from './source-uri.js';

/**
 * - `builder`: signs its own provenance; `builder.id` must name it.
 * - `delegator`: signs provenance for a builder it ran (slsa-github-generator's BYOB); `builder.id`
 *   names that builder, which must itself be trusted.
 * - `delegated`: trusted only as the builder a delegator ran.
 */
export type BuilderRole = 'builder' | 'delegator' | 'delegated';

/** One entry of the table. */
export interface TrustedBuilder {
  /** Workflow URI without its ref. */
  id: string;
  role: BuilderRole;
  /** The only ref accepted (a caller's `id@ref`); undefined: any release tag (defaults) or any branch or tag (caller's). */
  ref: string | undefined;
  /** Default builders run only from release tags. */
  tagsOnly: boolean;
  origin: 'default' | 'policy';
}

const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/';

/** The default table (see docs/verify.md). */
export const DEFAULT_TRUSTED_BUILDERS: readonly TrustedBuilder[] = [
  ...['generator_generic_slsa3.yml', 'generator_container_slsa3.yml', 'builder_go_slsa3.yml', 'builder_container-based_slsa3.yml'].map(
    (file) => entry(file, 'builder'),
  ),
  ...['delegator_generic_slsa3.yml', 'delegator_lowperms-generic_slsa3.yml'].map((file) => entry(file, 'delegator')),
  ...['builder_nodejs_slsa3.yml', 'builder_maven_slsa3.yml', 'builder_gradle_slsa3.yml'].map((file) => entry(file, 'delegated')),
];

function entry(file: string, role: BuilderRole): TrustedBuilder {
  return { id: GENERATOR + file, role, ref: undefined, tagsOnly: true, origin: 'default' };
}

/** A release tag: `refs/tags/v1.2.3`, optionally with a pre-release suffix. */
const RELEASE_TAG = /^refs\/tags\/v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** The builders trusted for one verification: the defaults and the caller's. */
export class BuilderTable {
  readonly entries: readonly TrustedBuilder[];

  constructor(policyBuilderIds: readonly string[]) {
    // A caller's builder can sign its own provenance or be run by a delegator, as slsa-github-generator's BYOB allows.
    const added = policyBuilderIds.map((id): TrustedBuilder => {
      const { location, ref } = splitRef(id);
      return { id: location, role: 'builder', ref, tagsOnly: false, origin: 'policy' };
    });
    this.entries = [...DEFAULT_TRUSTED_BUILDERS, ...added];
  }

  /**
   * The entry trusting `uri` (with its ref) in one of `roles`, or why none does. A caller's
   * builder counts as `delegated` too.
   */
  find(uri: string, roles: readonly BuilderRole[]): { builder?: TrustedBuilder; problem?: string } {
    const { location, ref } = splitRef(uri);
    const candidates = this.entries.filter(
      (e) => e.id === location && (roles.includes(e.role) || (e.origin === 'policy' && roles.includes('delegated'))),
    );
    if (candidates.length === 0) return { problem: `${location} is not a trusted builder` };
    for (const candidate of candidates) {
      if (candidate.ref !== undefined && candidate.ref !== ref) continue;
      if (candidate.tagsOnly && (ref === undefined || !RELEASE_TAG.test(ref))) continue;
      // GitHub runs `owner/repo/...@<sha>` for a commit of any fork of the repository (an
      // imposter commit): only the repository's own refs stand for its code, unless named.
      if (candidate.ref === undefined && !ref?.startsWith('refs/')) continue;
      return { builder: candidate };
    }
    const wanted = candidates.map((c) => (c.ref ? `@${c.ref}` : c.tagsOnly ? 'a release tag (refs/tags/vX.Y.Z)' : 'a branch or tag (refs/...; name a commit as id@sha)')).join(' or ');
    return { problem: `${location} ran at ${ref ? `@${ref}` : 'no ref'}, but it is trusted only at ${wanted}` };
  }
}
