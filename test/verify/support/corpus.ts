/**
 * Where the verification tests find real material: the provenance fixtures kept in the repo
 * (`fixtures/provenance`, with `cases.json`) and the public corpora beside the repo
 * (`../shared/corpus`: the Sigstore conformance bundle-verify cases and slsa-verifier's npm
 * packages), which `.ci/run` always provides. A bare clone has no `../shared`: there the tests
 * that need it skip (see `skipWithoutCorpus`).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { VerificationCheck, VerificationResult } from '../../../src/verify/index.js';

/** `fixtures/provenance/` (with a trailing slash). */
export const PROVENANCE = fileURLToPath(new URL('../../../fixtures/provenance/', import.meta.url));
/** The conformance suite's `bundle-verify/` cases. */
export const CONFORMANCE = fileURLToPath(new URL('../../../../shared/corpus/sigstore-conformance/bundle-verify/', import.meta.url));
/** slsa-verifier's npm packages and registry attestation responses. */
export const NPM_CORPUS = fileURLToPath(new URL('../../../../shared/corpus/slsa-verifier-npm/', import.meta.url));

/** CI as the conformance suites read it (`CI=false` or `0` is not CI). */
const IN_CI = !['', '0', 'false'].includes(process.env.CI ?? '');

let warned = false;

/**
 * For `describe.skipIf`/`it.skipIf`: true when one of `paths` (by default both corpora) is
 * missing and this is not CI. CI always has the corpora, so there a missing one must fail the
 * tests, never skip them. Warns once per test file (vitest gives each file its own module).
 */
export function skipWithoutCorpus(...paths: string[]): boolean {
  const wanted = paths.length > 0 ? paths : [CONFORMANCE, NPM_CORPUS];
  if (IN_CI || wanted.every((path) => existsSync(path))) return false;
  if (!warned) {
    warned = true;
    // Both corpora in the one line when either is asked for: a file asking for each in turn is warned once.
    const corpora = wanted.some((path) => path === CONFORMANCE || path === NPM_CORPUS) ? [CONFORMANCE, NPM_CORPUS] : [];
    const missing = [...new Set([...wanted, ...corpora])].filter((path) => !existsSync(path));
    console.warn(`missing ${missing.join(' and ')}: skipping the tests that need it (with CI set they fail instead)`);
  }
  return true;
}

/** The identity and issuer of the conformance suite's keyless bundles. */
export const CONFORMANCE_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** One case of `fixtures/provenance/cases.json` (the fields the tests read). */
export interface ProvenanceCase {
  id: string;
  files: { bundle: string; artifact?: string; artifactDigest?: string; bundleFormat: string };
  expectedLevel: 0 | 1 | 2 | 3;
  builderId: string;
  certificate: { san: string; issuer: string; extensions: Record<string, string>; onlyLegacyExtensions: boolean; notBefore: string; notAfter: string };
  provenance: { sourceRepository: string; ref: string; commit: string; builderId: string; buildConfig?: string };
  checks: { verifiesOffline: boolean };
}

export function provenanceCases(): ProvenanceCase[] {
  return (JSON.parse(readFileSync(`${PROVENANCE}cases.json`, 'utf8')) as { cases: ProvenanceCase[] }).cases;
}

export function provenanceCase(id: string): ProvenanceCase {
  const found = provenanceCases().find((c) => c.id === id);
  if (!found) throw new Error(`no provenance case ${id}`);
  return found;
}

/** The artifact of a case: its path, or `<alg>:<hex>` from its digest file. */
export function caseArtifact(c: ProvenanceCase): string {
  if (c.files.artifact) return PROVENANCE + c.files.artifact;
  return readFileSync(PROVENANCE + c.files.artifactDigest!, 'utf8').trim();
}

export function caseBundlePath(c: ProvenanceCase): string {
  return PROVENANCE + c.files.bundle;
}

/** The JSON of a case's bundle file (the first line of a `.jsonl`). */
export function caseBundleJson(c: ProvenanceCase): Record<string, unknown> {
  const text = readFileSync(caseBundlePath(c), 'utf8');
  const first = text.split('\n').find((line) => line.trim() !== '')!;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return JSON.parse(first) as Record<string, unknown>;
  }
}

/** The ids of the failed checks. */
export function failedIds(result: VerificationResult): string[] {
  return result.checks.filter((c) => !c.passed).map((c) => c.id);
}

/** The failed checks with `id`. */
export function failedChecks(result: VerificationResult, id: string): VerificationCheck[] {
  return result.checks.filter((c) => !c.passed && c.id === id);
}

/** The (first) check with `id`, failing the test when there is none. */
export function checkOf(result: VerificationResult, id: string): VerificationCheck {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check in ${result.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** A deep copy of JSON. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Flips one bit of the byte at `index` of base64 `text`'s bytes. */
export function flipBase64(text: string, index = 0): string {
  const bytes = Buffer.from(text, 'base64');
  bytes[index] = bytes[index]! ^ 0x01;
  return bytes.toString('base64');
}
