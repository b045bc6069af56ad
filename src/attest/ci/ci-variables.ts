/**
 * Reading a CI system's variables for provenance: every required variable must be set, and a
 * missing or malformed one is an error naming it, never a predicate with a hole.
 * @module
 */
import { SealkitError } from '../../errors.js';

/** The CI systems sealkit fills a provenance predicate from. */
export type CiSystem = 'github-actions' | 'gitlab-ci';

/** Human names of {@link CiSystem}s, for messages. */
export const CI_LABELS: Readonly<Record<CiSystem, string>> = {
  'github-actions': 'GitHub Actions',
  'gitlab-ci': 'GitLab CI',
};

/**
 * Returns the values of `names` from `env`, trimmed. Throws PROVENANCE_ENVIRONMENT_INVALID
 * listing every variable that is unset or empty.
 */
export function requireVariables<const Name extends string>(
  env: NodeJS.ProcessEnv,
  names: readonly Name[],
  ci: CiSystem,
): Record<Name, string> {
  const values = {} as Record<Name, string>;
  const missing: string[] = [];
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) values[name] = value;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new SealkitError(
      'PROVENANCE_ENVIRONMENT_INVALID',
      `cannot describe this ${CI_LABELS[ci]} build: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set (${CI_LABELS[ci]} sets ${missing.length === 1 ? 'it' : 'them'} in every job; was the environment passed on?)`,
      { details: { ci, variables: missing } },
    );
  }
  return values;
}

/** The value of an optional variable, trimmed; undefined when unset or empty. */
export function optionalVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/** A PROVENANCE_ENVIRONMENT_INVALID error for a variable whose value cannot be used. */
export function malformedVariable(ci: CiSystem, name: string, value: string, expected: string): SealkitError {
  return new SealkitError(
    'PROVENANCE_ENVIRONMENT_INVALID',
    `cannot describe this ${CI_LABELS[ci]} build: ${name} is ${JSON.stringify(value)}, not ${expected}`,
    { details: { ci, variables: [name], value } },
  );
}

/**
 * The origin and path of an http(s) URL variable without a trailing slash
 * (`https://github.example.com`), or PROVENANCE_ENVIRONMENT_INVALID.
 */
export function urlVariable(ci: CiSystem, name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw malformedVariable(ci, name, value, 'an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw malformedVariable(ci, name, value, 'an http(s) URL');
  return value.replace(/\/+$/, '');
}

/** A git commit id variable (40 hex digits, or 64 for SHA-256 repositories), lower-cased. */
export function commitVariable(ci: CiSystem, name: string, value: string): string {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value)) throw malformedVariable(ci, name, value, 'a git commit id (40 or 64 hex digits)');
  return value.toLowerCase();
}
