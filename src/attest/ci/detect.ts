/**
 * Which predicate builder applies: explicit provenance when the caller gives one, else the CI
 * system named by `ci`, else the one the environment shows. An environment sealkit cannot
 * read is an error, never a guessed predicate.
 * @module
 */
import { SealkitError, UsageError } from '../../errors.js';
import type { SlsaProvenanceV1Predicate } from '../slsa-v1.js';
import type { CiSystem } from './ci-variables.js';
import { explicitProvenance, type ExplicitProvenance } from './explicit.js';
import { githubActionsProvenance } from './github-actions.js';
import { gitlabCiProvenance } from './gitlab-ci.js';

/** Which CI system to describe: `auto` (the default) detects it from the environment. */
export type CiOption = 'auto' | CiSystem;

/** Where a predicate came from: a CI system's variables, or explicit options. */
export type ProvenanceSource = CiSystem | 'explicit';

/** Options of {@link buildProvenancePredicate}. */
export interface ProvenancePredicateOptions {
  /**
   * The CI system to read. Default `auto`: GitHub Actions when `GITHUB_ACTIONS=true`, GitLab
   * CI when `GITLAB_CI=true`. Cannot be combined with `provenance`.
   */
  ci?: CiOption;
  /** Every field given explicitly; used instead of any CI system's variables. */
  provenance?: ExplicitProvenance;
  /** Where CI variables are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A predicate and where it came from. */
export interface ProvenancePredicate {
  predicate: SlsaProvenanceV1Predicate;
  source: ProvenanceSource;
}

const BUILDERS: Readonly<Record<CiSystem, (env: NodeJS.ProcessEnv) => SlsaProvenanceV1Predicate>> = {
  'github-actions': githubActionsProvenance,
  'gitlab-ci': gitlabCiProvenance,
};

/** CI systems sealkit recognises but does not read, to say so when they are seen. */
const OTHER_CI: ReadonlyArray<{ variable: string; value?: string; name: string }> = [
  { variable: 'BUILDKITE', value: 'true', name: 'Buildkite' },
  { variable: 'CIRCLECI', value: 'true', name: 'CircleCI' },
  { variable: 'JENKINS_URL', name: 'Jenkins' },
  { variable: 'TF_BUILD', value: 'True', name: 'Azure Pipelines' },
  { variable: 'BITBUCKET_BUILD_NUMBER', name: 'Bitbucket Pipelines' },
  { variable: 'TRAVIS', value: 'true', name: 'Travis CI' },
  { variable: 'CODEBUILD_BUILD_ID', name: 'AWS CodeBuild' },
];

/** The CI system `env` shows, if it is one sealkit reads. */
export function detectCiSystem(env: NodeJS.ProcessEnv): CiSystem | undefined {
  const github = env.GITHUB_ACTIONS === 'true';
  const gitlab = env.GITLAB_CI === 'true';
  if (github && gitlab) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'both GITHUB_ACTIONS and GITLAB_CI are "true": say which CI system to describe with the ci option (--ci)',
    );
  }
  if (github) return 'github-actions';
  if (gitlab) return 'gitlab-ci';
  return undefined;
}

/**
 * Builds the SLSA v1 predicate for the current build, without signing anything.
 *
 * Precedence: `provenance` when given (the environment is then not read); otherwise the CI
 * system named by `ci`; otherwise the one detected in `env`.
 *
 * @throws {SealkitError} PROVENANCE_ENVIRONMENT_UNKNOWN when no CI system is detected and no
 *   `provenance` is given; PROVENANCE_ENVIRONMENT_INVALID when a CI variable is missing or
 *   malformed; INVALID_ARGUMENT for wrong options or explicit fields.
 */
export function buildProvenancePredicate(options: ProvenancePredicateOptions = {}): ProvenancePredicate {
  const ci = options.ci ?? 'auto';
  if (ci !== 'auto' && !(ci in BUILDERS)) {
    throw new UsageError('INVALID_ARGUMENT', `ci must be auto, github-actions or gitlab-ci, not ${JSON.stringify(ci)}`);
  }
  if (options.provenance !== undefined) {
    if (ci !== 'auto') {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `give either ci (${ci}) or explicit provenance, not both: explicit provenance replaces what a CI system's variables say`,
      );
    }
    return { predicate: explicitProvenance(options.provenance), source: 'explicit' };
  }
  const env = options.env ?? process.env;
  const system = ci === 'auto' ? detectCiSystem(env) : ci;
  if (system === undefined) throw unknownEnvironment(env);
  return { predicate: BUILDERS[system](env), source: system };
}

function unknownEnvironment(env: NodeJS.ProcessEnv): SealkitError {
  const seen = OTHER_CI.find((ci) => (ci.value === undefined ? Boolean(env[ci.variable]) : env[ci.variable] === ci.value));
  const where = seen ? `this looks like ${seen.name}, whose variables sealkit does not read` : 'neither GITHUB_ACTIONS nor GITLAB_CI is "true"';
  return new SealkitError(
    'PROVENANCE_ENVIRONMENT_UNKNOWN',
    `cannot tell which build system is running (${where}): run in GitHub Actions or GitLab CI, or describe the build with explicit provenance (buildType, builderId, …; --provenance FILE)`,
    { details: { detected: seen?.name } },
  );
}
