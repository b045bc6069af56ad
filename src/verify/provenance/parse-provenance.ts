/**
 * SLSA provenance (v1 and v0.2) reduced to what verification compares: the builder, the build
 * type, the source (repository, ref, commit) and the build configuration that ran. Field
 * locations differ between versions and build types; each is read where its version puts it.
 * @module
 */
import { parseGitUri } from './source-uri.js';
import type { InTotoStatement } from '../attestations/statement.js';

/** SLSA Provenance v1. */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** SLSA Provenance v0.2. */
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';

/** What a provenance statement says about a build. */
export interface ProvenanceSummary {
  predicateType: string;
  /** The builder that claims to have produced the subjects. */
  builderId: string;
  buildType: string | undefined;
  /** The source the build came from. */
  source: { repository?: string; ref?: string; commit?: string };
  /**
   * The build configuration that ran, as `<repository>/<path>@<ref>` (a GitHub workflow, a
   * GitLab pipeline file): what Fulcio records as the Build Config URI.
   */
  buildConfig?: string;
  /** The run that built it, when stated. */
  invocationId?: string;
}

/** True when `predicateType` is SLSA provenance sealkit reads. */
export function isSlsaProvenance(predicateType: string): boolean {
  return predicateType === SLSA_PROVENANCE_V1 || predicateType === SLSA_PROVENANCE_V02;
}

/** Reads the provenance of `statement`; returns why it cannot be read when it cannot. */
export function parseProvenance(statement: InTotoStatement): { provenance?: ProvenanceSummary; problem?: string } {
  const predicate = statement.predicate;
  if (typeof predicate !== 'object' || predicate === null || Array.isArray(predicate)) {
    return { problem: 'the provenance has no predicate object' };
  }
  return statement.predicateType === SLSA_PROVENANCE_V1
    ? parseV1(predicate as Record<string, unknown>)
    : parseV02(predicate as Record<string, unknown>);
}

/** sealkit's GitLab CI build type (see docs/provenance.md). */
const GITLAB_CI_BUILD_TYPE = 'https://sealkit.dev/buildtypes/gitlab-ci/v1';

function parseV1(predicate: Record<string, unknown>): { provenance?: ProvenanceSummary; problem?: string } {
  const definition = object(predicate.buildDefinition);
  const runDetails = object(predicate.runDetails);
  const builderId = string(object(runDetails?.builder)?.id);
  if (!definition) return { problem: 'the SLSA v1 predicate has no buildDefinition' };
  if (!builderId) return { problem: 'the SLSA v1 predicate has no runDetails.builder.id' };
  const buildType = string(definition.buildType);
  const external = object(definition.externalParameters);
  const internal = object(definition.internalParameters);
  const dependencies = Array.isArray(definition.resolvedDependencies) ? definition.resolvedDependencies : [];
  const summary: ProvenanceSummary = { predicateType: SLSA_PROVENANCE_V1, builderId, buildType, source: {} };
  const invocationId = string(object(runDetails?.metadata)?.invocationId);
  if (invocationId) summary.invocationId = invocationId;

  // GitHub's and npm's workflow build types name the workflow that ran; slsa-github-generator's
  // own v1 build types keep GitHub's variables in internalParameters; sealkit's GitLab build
  // type names the project, ref and pipeline file.
  const workflow = object(external?.workflow);
  const sourceObject = object(external?.source);
  const fromSource = parseGitUri(string(sourceObject?.uri));
  const gitlab = buildType === GITLAB_CI_BUILD_TYPE;
  const repository =
    string(workflow?.repository) ?? (gitlab ? string(external?.source) : undefined) ?? fromSource?.repository;
  const git = gitDependency(dependencies, repository);
  const sourceDigest = object(sourceObject?.digest);
  summary.source = {
    repository: repository ?? git?.repository,
    ref: string(workflow?.ref) ?? (gitlab ? string(external?.ref) : undefined) ?? fromSource?.ref ?? git?.ref ?? string(internal?.GITHUB_REF),
    commit: git?.commit ?? string(sourceDigest?.sha1) ?? string(sourceDigest?.gitCommit) ?? string(internal?.GITHUB_SHA),
  };
  const { repository: repo, ref } = summary.source;
  const workflowPath = string(workflow?.path);
  const workflowRef = string(internal?.GITHUB_WORKFLOW_REF);
  const configPath = gitlab ? string(external?.configPath) : undefined;
  if (workflow && repo && workflowPath && ref) summary.buildConfig = `${repo}/${workflowPath}@${ref}`;
  else if (workflowRef && repo) summary.buildConfig = `${originOf(repo)}/${workflowRef}`;
  else if (configPath && repo && ref) summary.buildConfig = `${repo}//${configPath}@${ref}`;
  return { provenance: summary };
}

function parseV02(predicate: Record<string, unknown>): { provenance?: ProvenanceSummary; problem?: string } {
  const builderId = string(object(predicate.builder)?.id);
  if (!builderId) return { problem: 'the SLSA v0.2 predicate has no builder.id' };
  const invocation = object(predicate.invocation);
  const configSource = object(invocation?.configSource);
  const environment = object(invocation?.environment);
  const materials = Array.isArray(predicate.materials) ? predicate.materials : [];
  const fromConfig = configSource ? parseGitUri(string(configSource.uri)) : undefined;
  const configDigest = object(configSource?.digest);
  const material = gitDependency(materials, fromConfig?.repository);
  const summary: ProvenanceSummary = {
    predicateType: SLSA_PROVENANCE_V02,
    builderId,
    buildType: string(predicate.buildType),
    source: {
      repository: fromConfig?.repository ?? material?.repository,
      ref: fromConfig?.ref ?? material?.ref,
      commit: string(configDigest?.sha1) ?? string(configDigest?.gitCommit) ?? material?.commit,
    },
  };
  const invocationId = string(object(predicate.metadata)?.buildInvocationId);
  if (invocationId) summary.invocationId = invocationId;
  const { repository, ref } = summary.source;
  const entryPoint = string(configSource?.entryPoint);
  const workflowRef = string(environment?.GITHUB_WORKFLOW_REF) ?? string(environment?.github_workflow_ref);
  if (entryPoint?.includes('@') && repository) {
    // Early npm provenance wrote the whole workflow ref (`owner/repo/path@ref`) as the entry point.
    summary.buildConfig = `${originOf(repository)}/${entryPoint}`;
  } else if (entryPoint && repository && ref) {
    summary.buildConfig = `${repository}/${entryPoint}@${ref}`;
  } else if (workflowRef && repository) {
    summary.buildConfig = `${originOf(repository)}/${workflowRef}`;
  }
  return { provenance: summary };
}

/** `https://host` of a repository URL: workflow refs are relative to the server. */
function originOf(repository: string): string {
  const match = /^(https?:\/\/[^/]+)/.exec(repository);
  return match?.[1] ?? 'https://github.com';
}

/** The git dependency of the source: the one from `repository` when given, else the first `git+` one. */
function gitDependency(entries: unknown[], repository: string | undefined): { repository: string; ref?: string; commit?: string } | undefined {
  const candidates = entries
    .map((entry) => {
      const record = object(entry);
      const parsed = parseGitUri(string(record?.uri));
      if (!parsed) return undefined;
      const digest = object(record?.digest);
      return { ...parsed, commit: string(digest?.gitCommit) ?? string(digest?.sha1) };
    })
    .filter((entry) => entry !== undefined);
  return (repository ? candidates.find((c) => c.repository === repository) : undefined) ?? candidates[0];
}

function object(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function string(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
