/**
 * The two layers of the polyglot test image, made by real tools in an OCI layout:
 * 1. `mmdebstrap --variant=minbase` of Debian bookworm with software of several ecosystems, all
 *    from Debian: Python libraries, Java libraries (their jars and maven-repo poms), Go programs
 *    (skopeo, umoci, docker-registry), Ruby with a few gems, and rpm itself;
 * 2. what an application layer adds on top: an rpm database at /var/lib/rpm written by the
 *    image's own rpm (packages recorded with `--justdb`, and an application rpm installed for
 *    real whose Spring Boot jar nests Debian's library jars), and two npm projects installed by
 *    `npm ci`, one of them holding Go executables (esbuild's, lefthook's).
 * @module
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLayoutImage } from '../lib/oci-layout.mjs';
import { BuildStepError } from '../lib/quiet-run.mjs';
import { APT_SOURCES, SUITE } from '../lib/real-image-layers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** What layer 1 installs, by the ecosystem each package is there for. */
export const DEBIAN_PACKAGES = Object.freeze({
  base: ['ca-certificates'],
  python: ['python3-requests', 'python3-yaml', 'python3-jinja2'],
  java: ['libcommons-lang3-java', 'libslf4j-java', 'libguava-java', 'libjackson2-databind-java'],
  go: ['skopeo', 'umoci', 'docker-registry'],
  ruby: ['ruby', 'ruby-sinatra', 'ruby-json'],
  rpm: ['rpm'],
});

/** The application jar of layer 2: its coordinates, and the Debian jars it nests under BOOT-INF/lib. */
export const FAT_JAR = Object.freeze({
  path: '/opt/report-service/report-service.jar',
  group: 'com.example',
  artifact: 'report-service',
  version: '1.0.0',
  libs: [
    '/usr/share/java/commons-lang3.jar',
    '/usr/share/java/guava.jar',
    '/usr/share/java/jackson-annotations.jar',
    '/usr/share/java/jackson-core.jar',
    '/usr/share/java/jackson-databind.jar',
    '/usr/share/java/slf4j-api.jar',
  ],
});

/** The npm projects of layer 2: where each is installed, and the folder holding its manifest and lockfile. */
export function npmProjects(repo) {
  return [
    { dir: '/app', source: path.join(repo, 'fixtures/projects/web-service') },
    { dir: '/opt/build-tools', source: path.join(HERE, 'build-tools') },
  ];
}

/** The spec files of the packages recorded with `rpm -i --justdb`: the rpm fixtures' Fedora 39 metadata. */
export function justdbSpecs(repo) {
  const dir = path.join(repo, 'fixtures/catalog/rpm/packages.specs');
  return readdirSync(dir).filter((name) => name.endsWith('.spec')).sort().map((name) => path.join(dir, name));
}

/** The spec of the application rpm installed for real. */
export const APP_SPEC = path.join(HERE, 'rpm', 'report-service.spec');
export const RPM_DBPATH = '/var/lib/rpm';

const CHROOT_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' };

/**
 * Builds both layers into a new OCI layout `<work>/oci`, tagged `ref`.
 * @param {import('../lib/quiet-run.mjs').QuietRunner} runner
 * @param {{ work: string, ref: string, repo: string }} input
 * @returns {{ layout: string, image: ReturnType<typeof describeLayoutImage>,
 *   fatJar: { entry: string, source: string }[] }} `fatJar`: each nested jar and the Debian jar it is a copy of
 */
export function buildLayers(runner, { work, ref, repo }) {
  const arch = runner.run('dpkg', ['--print-architecture'], { capture: true }).trim();
  const layout = path.join(work, 'oci');
  const oci = `${layout}:${ref}`;
  const include = Object.values(DEBIAN_PACKAGES).flat();

  runner.note('layer 1: mmdebstrap');
  const rootTar = path.join(work, 'layer1.tar');
  runner.run('mmdebstrap', [
    '--variant=minbase', '--mode=root', '--format=tar', `--architectures=${arch}`,
    `--include=${include.join(',')}`, '--aptopt=Acquire::Retries "3"',
    SUITE, rootTar, ...APT_SOURCES,
  ]);
  runner.run('umoci', ['init', '--layout', layout]);
  runner.run('umoci', ['new', '--image', oci]);
  runner.run('umoci', [
    'config', '--image', oci, '--no-history', '--os', 'linux', '--architecture', arch,
    '--config.env', `PATH=${CHROOT_ENV.PATH}`,
    '--config.workingdir', '/app', '--config.cmd', '/bin/bash',
  ]);
  runner.run('umoci', ['raw', 'add-layer', '--image', oci,
    '--history.created_by', `mmdebstrap --variant=minbase --include=${include.join(',')} ${SUITE}`, rootTar]);
  rmSync(rootTar);

  runner.note('layer 2: rpm database, application rpm with a Spring Boot jar, npm projects');
  const bundle = path.join(work, 'bundle');
  runner.run('umoci', ['unpack', '--image', oci, bundle]);
  const root = path.join(bundle, 'rootfs');
  const fatJar = writeFatJar(runner, root, path.join(work, 'report-service.jar'));
  installRpms(runner, { root, work, repo, fatJarFile: path.join(work, 'report-service.jar') });
  for (const project of npmProjects(repo)) {
    const dir = path.join(root, project.dir);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(project.source, file), path.join(dir, file));
    runner.run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=warn'], { cwd: dir });
  }
  runner.run('umoci', ['repack', '--image', oci, '--history.created_by',
    `rpm -i (into ${RPM_DBPATH}); npm ci (in ${npmProjects(repo).map((p) => p.dir).join(', ')})`, bundle]);
  rmSync(bundle, { recursive: true, force: true });
  runner.run('umoci', ['gc', '--layout', layout]);

  const image = describeLayoutImage(layout, ref);
  if (image.layers.length !== 2) throw new BuildStepError(`expected 2 layers, got ${image.layers.length}`);
  return { layout, image, fatJar };
}

/** Packs the Spring Boot jar from the root's Debian jars; libraries get Maven's `<artifactId>-<version>.jar` names. */
function writeFatJar(runner, root, out) {
  const libs = FAT_JAR.libs.map((source) => {
    // Debian's versioned link (guava-31.1-jre.jar -> guava.jar) carries the name a build tool gives the jar
    const dir = path.join(root, path.dirname(source));
    const versioned = readdirSync(dir).find((name) => name !== path.basename(source) && name.startsWith(path.basename(source, '.jar') + '-') && /-\d[^/]*\.jar$/.test(name));
    if (versioned === undefined) throw new BuildStepError(`no versioned name beside ${source}`);
    return { source, entry: `BOOT-INF/lib/${versioned}` };
  });
  runner.run('python3', [path.join(HERE, 'fat-jar.py'), out, FAT_JAR.group, FAT_JAR.artifact, FAT_JAR.version,
    ...libs.map(({ source, entry }) => `${path.join(root, source)}=${path.basename(entry)}`)]);
  return libs;
}

/**
 * Builds the rpms with rpmbuild, then has the image's own rpm (Debian's, which keeps no system
 * database) create one at /var/lib/rpm, record the Fedora packages with `--justdb` (their files
 * would replace Debian's) and install the application rpm for real.
 */
function installRpms(runner, { root, work, repo, fatJarFile }) {
  const top = path.join(work, 'rpmbuild');
  const sources = path.join(top, 'SOURCES');
  mkdirSync(sources, { recursive: true });
  copyFileSync(fatJarFile, path.join(sources, 'report-service.jar'));
  const rpmbuild = (spec, target) => runner.run('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`,
    '--define', '_build_id_links none', '--define', '_binary_payload w9.gzdio', ...(target ? ['--target', target] : []), spec]);
  for (const spec of justdbSpecs(repo)) rpmbuild(spec, /^#target: (\S+)$/m.exec(readFileSync(spec, 'utf8'))?.[1]);
  rpmbuild(APP_SPEC);
  const built = readdirSync(path.join(top, 'RPMS'), { recursive: true }).map(String).filter((name) => name.endsWith('.rpm')).sort();
  const app = built.filter((name) => path.basename(name).startsWith('report-service-'));
  if (app.length !== 1 || built.length < justdbSpecs(repo).length + 1) throw new BuildStepError(`rpmbuild made ${built.join(', ')}`);

  const inImage = '/tmp/rpms';
  mkdirSync(path.join(root, inImage));
  for (const name of built) copyFileSync(path.join(top, 'RPMS', name), path.join(root, inImage, path.basename(name)));
  const rpm = (...args) => runner.run('chroot', [root, 'rpm', '--dbpath', RPM_DBPATH, ...args], { env: CHROOT_ENV });
  rpm('--initdb');
  const fedora = built.filter((name) => !app.includes(name)).map((name) => `${inImage}/${path.basename(name)}`);
  rpm('-i', '--justdb', '--nodeps', '--nosignature', '--noscripts', '--ignorearch', ...fedora);
  rpm('-i', '--nodeps', '--nosignature', `${inImage}/${path.basename(app[0])}`);
  rmSync(path.join(root, inImage), { recursive: true });
  rmSync(top, { recursive: true, force: true });
  rmSync(fatJarFile);
}
