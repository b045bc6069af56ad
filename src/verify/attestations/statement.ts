/**
 * in-toto Statements as verifiers read them: the DSSE payload decoded and checked, and the
 * question the Sigstore libraries leave open — is this statement about the artifact in hand?
 * A subject matches only when every digest it shares with the artifact is equal.
 * @module
 */
import type { DigestAlgorithm } from '../../util/artifact-digest.js';

/** The DSSE payload type of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

/** Digest algorithms an artifact can be matched by, with their hex lengths. */
const KNOWN_DIGESTS: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A subject of a statement. */
export interface InTotoSubject {
  name: string;
  digest: Record<string, string>;
}

/** An in-toto statement (v0.1 or v1). */
export interface InTotoStatement {
  _type: string;
  subject: InTotoSubject[];
  predicateType: string;
  predicate: unknown;
}

/** Decodes and checks a DSSE payload; returns the statement or why it is not one. */
export function parseStatement(payloadType: string, payload: Buffer): { statement?: InTotoStatement; problem?: string } {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return { problem: `the DSSE payload type is ${JSON.stringify(payloadType)}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return { problem: `the statement is not JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'the statement is not a JSON object' };
  const statement = json as Partial<InTotoStatement>;
  if (typeof statement._type !== 'string' || !STATEMENT_TYPES.has(statement._type)) {
    return { problem: `unknown statement type ${JSON.stringify(statement._type)}` };
  }
  if (typeof statement.predicateType !== 'string' || statement.predicateType === '') return { problem: 'the statement has no predicateType' };
  if (!Array.isArray(statement.subject) || statement.subject.length === 0) return { problem: 'the statement has no subject' };
  for (const [i, subject] of statement.subject.entries()) {
    const problem = subjectProblem(subject);
    if (problem) return { problem: `subject[${i}] ${problem}` };
  }
  return { statement: { ...statement, predicate: statement.predicate } as InTotoStatement };
}

function subjectProblem(subject: unknown): string | undefined {
  if (typeof subject !== 'object' || subject === null) return 'is not an object';
  const { name, digest } = subject as { name?: unknown; digest?: unknown };
  if (name !== undefined && typeof name !== 'string') return 'has a name that is not a string';
  if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) return 'has no digest';
  let known = 0;
  for (const [algorithm, value] of Object.entries(digest)) {
    if (typeof value !== 'string') return `has a ${algorithm} digest that is not a string`;
    const length = KNOWN_DIGESTS[algorithm as DigestAlgorithm];
    if (length === undefined) continue;
    if (value.length !== length || !/^[0-9a-fA-F]+$/.test(value)) return `has a malformed ${algorithm} digest`;
    known++;
  }
  return known === 0 ? `has no digest sealkit can compare (${Object.keys(digest).join(', ') || 'none'}; expected sha256, sha384 or sha512)` : undefined;
}

/** Digest algorithms named by the statement's subjects that an artifact can be hashed with. */
export function subjectAlgorithms(statement: InTotoStatement): DigestAlgorithm[] {
  const algorithms = new Set<DigestAlgorithm>();
  for (const subject of statement.subject) {
    for (const algorithm of Object.keys(subject.digest)) {
      if (algorithm in KNOWN_DIGESTS) algorithms.add(algorithm as DigestAlgorithm);
    }
  }
  return [...algorithms];
}

/**
 * The subject naming the artifact: one whose every digest shared with `artifact` is equal
 * (and that shares at least one).
 */
export function matchingSubject(
  statement: InTotoStatement,
  artifact: Partial<Record<DigestAlgorithm, Buffer>>,
): InTotoSubject | undefined {
  return statement.subject.find((subject) => {
    let shared = 0;
    for (const [algorithm, value] of Object.entries(subject.digest)) {
      const mine = artifact[algorithm as DigestAlgorithm];
      if (mine === undefined) continue;
      if (mine.toString('hex') !== value.toLowerCase()) return false;
      shared++;
    }
    return shared > 0;
  });
}
