/**
 * The `sealkit` command line: finds the command, runs it, and turns failures into exit codes
 * (0 success, 1 failure, 2 wrong usage) and one clear line on stderr naming the error code.
 * @module
 */
import { SealkitError, UsageError } from '../errors.js';
import { TOOL } from '../version.js';
import type { CliIO, Command } from './command.js';

/** Commands are loaded on use, so `sealkit sbom` never pays for loading the signing stack. */
const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Command> }> = [
  { name: 'sbom', summary: 'Generate an SBOM (CycloneDX or SPDX) of an image, directory or lockfile', load: async () => (await import('./commands/sbom.js')).sbomCommand },
  { name: 'sign', summary: 'Sign a file or a digest into a Sigstore bundle (keyless or with a key)', load: async () => (await import('./commands/sign.js')).signCommand },
  { name: 'attest-sbom', summary: 'Sign an SBOM as an in-toto attestation about an artifact', load: async () => (await import('./commands/attest-sbom.js')).attestSbomCommand },
  { name: 'attest', summary: 'Sign SLSA provenance about build outputs (GitHub Actions, GitLab CI, explicit)', load: async () => (await import('./commands/attest.js')).attestCommand },
  { name: 'verify', summary: 'Verify Sigstore bundles about an artifact and report the SLSA Build level proven', load: async () => (await import('./commands/verify.js')).verifyCommand },
  { name: 'discover', summary: 'List the signatures, attestations and SBOMs attached to an image in a registry', load: async () => (await import('./commands/discover.js')).discoverCommand },
  { name: 'promote', summary: 'Verify an image in a registry, then copy it by digest (with what is attached) to another', load: async () => (await import('./commands/promote.js')).promoteCommand },
  { name: 'verify-bundle', summary: 'Verify one Sigstore bundle (the Sigstore conformance command line)', load: async () => (await import('./commands/verify-bundle.js')).verifyBundleCommand },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: sealkit <command> [options]

Software supply-chain security: SBOMs, Sigstore signing, SLSA provenance.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     show help (also: sealkit <command> --help)
  -v, --version  print the version

Exit codes: 0 success, 1 failure (stderr names the error code), 2 wrong usage.
`;
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Runs the CLI with `args` (without `node` and the script path) and returns the exit code. */
export async function main(args: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stderr.write(usage());
    return 2;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? (await topic.load()).help : usage());
    return 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${TOOL.name} ${TOOL.version}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    io.stderr.write(`sealkit: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, command, io);
  }
}

function report(error: unknown, command: Command, io: CliIO): number {
  if (error instanceof UsageError) {
    io.stderr.write(`sealkit ${command.name}: ${error.message}\nRun 'sealkit ${command.name} --help' for usage.\n`);
    return 2;
  }
  if (error instanceof SealkitError) {
    io.stderr.write(`sealkit: ${error.code}: ${error.message}\n`);
    return 1;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`sealkit: INTERNAL_ERROR: an unexpected failure; please report it with this output:\n${detail}\n`);
  return 1;
}
