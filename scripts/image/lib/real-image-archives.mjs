/**
 * The forms the real test image is written in, by skopeo from the OCI layout umoci built:
 * docker-archive (uncompressed layers, as skopeo and docker save write it), docker-archive with
 * gzip layers, OCI archive (gzip), OCI archive (zstd) and an OCI layout folder; and the large
 * variant with one more layer of incompressible data.
 * @module
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import path from 'node:path';
import { writeGzipDockerArchive } from './gzip-docker-archive.mjs';
import { describeLayoutImage } from './oci-layout.mjs';
import { BuildStepError } from './quiet-run.mjs';

/** File names of the archives, by the kind tests and benchmarks know them as. */
export const ARCHIVES = Object.freeze({
  'docker-archive': 'image.docker.tar',
  'docker-archive-gzip': 'image.gzip.docker.tar',
  'oci-archive': 'image.oci.tar',
  'oci-archive-zstd': 'image.zstd.oci.tar',
  'oci-dir': 'oci-dir',
});

/** File names of the large variant's archives. */
export const LARGE_ARCHIVES = Object.freeze({ 'oci-archive': 'image-2x.oci.tar', 'docker-archive': 'image-2x.docker.tar' });

function skopeoCopy(runner, args) {
  runner.run('skopeo', ['--insecure-policy', 'copy', '--quiet', ...args]);
}

/**
 * Writes the {@link ARCHIVES} forms of the image `layout:ref` named in `kinds` (all by default)
 * into `work`. A gzip docker-archive needs the plain one beside it.
 * @param {import('./quiet-run.mjs').QuietRunner} runner
 * @param {{ work: string, layout: string, ref: string, dockerTag: string, kinds?: (keyof typeof ARCHIVES)[] }} input
 */
export async function writeArchives(runner, { work, layout, ref, dockerTag, kinds = /** @type {(keyof typeof ARCHIVES)[]} */ (Object.keys(ARCHIVES)) }) {
  const at = (name) => path.join(work, name);
  const oci = `oci:${layout}:${ref}`;
  const wanted = new Set(kinds);
  if (wanted.has('docker-archive') || wanted.has('docker-archive-gzip')) {
    skopeoCopy(runner, [oci, `docker-archive:${at(ARCHIVES['docker-archive'])}:${dockerTag}:${ref}`]);
  }
  if (wanted.has('oci-archive')) skopeoCopy(runner, [oci, `oci-archive:${at(ARCHIVES['oci-archive'])}:${ref}`]);
  if (wanted.has('oci-archive-zstd')) {
    skopeoCopy(runner, ['--dest-compress-format', 'zstd', oci, `oci-archive:${at(ARCHIVES['oci-archive-zstd'])}:${ref}`]);
    const zstdLayers = archivedManifest(runner, at(ARCHIVES['oci-archive-zstd']), at('zstd-check')).layers;
    if (!zstdLayers.every((layer) => layer.mediaType.endsWith('+zstd'))) throw new BuildStepError('skopeo did not write zstd layers');
  }
  if (wanted.has('oci-dir')) skopeoCopy(runner, [oci, `oci:${at(ARCHIVES['oci-dir'])}:${ref}`]);
  if (wanted.has('docker-archive-gzip')) {
    await writeGzipDockerArchive(runner, {
      dockerArchive: at(ARCHIVES['docker-archive']),
      layoutDir: layout,
      ref,
      dest: at(ARCHIVES['docker-archive-gzip']),
      workDir: at('gzip-docker-work'),
    });
  }
}

/**
 * Tags `largeRef` in `layout`: the image `ref` plus a layer of four random files under
 * /opt/payload as large as the image's uncompressed layers together, and writes it as
 * {@link LARGE_ARCHIVES}.
 * @returns {{ payloadBytes: number, image: ReturnType<typeof describeLayoutImage> }}
 */
export function writeLargeVariant(runner, { work, layout, ref, largeRef, dockerTag }) {
  const at = (name) => path.join(work, name);
  const payloadBytes = statSync(at(ARCHIVES['docker-archive'])).size;
  const payloadTar = at('payload.tar');
  writeIncompressibleTar(runner, at('payload'), payloadTar, payloadBytes);
  runner.run('umoci', ['raw', 'add-layer', '--image', `${layout}:${ref}`, '--tag', largeRef,
    '--history.created_by', 'incompressible payload under /opt/payload', payloadTar]);
  rmSync(payloadTar);
  skopeoCopy(runner, [`oci:${layout}:${largeRef}`, `oci-archive:${at(LARGE_ARCHIVES['oci-archive'])}:${largeRef}`]);
  skopeoCopy(runner, [`oci:${layout}:${largeRef}`, `docker-archive:${at(LARGE_ARCHIVES['docker-archive'])}:${dockerTag}:${largeRef}`]);
  return { payloadBytes, image: describeLayoutImage(layout, largeRef) };
}

/** The manifest of the only image of an OCI archive, read by extracting its small JSON blobs. */
function archivedManifest(runner, archive, scratch) {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  try {
    runner.run('tar', ['-xf', archive, '-C', scratch, 'index.json']);
    const index = JSON.parse(readFileSync(path.join(scratch, 'index.json'), 'utf8'));
    const manifestBlob = `blobs/sha256/${index.manifests[0].digest.slice(7)}`;
    runner.run('tar', ['-xf', archive, '-C', scratch, manifestBlob]);
    return JSON.parse(readFileSync(path.join(scratch, manifestBlob), 'utf8'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function writeIncompressibleTar(runner, dir, tarFile, bytes) {
  const target = path.join(dir, 'opt', 'payload');
  mkdirSync(target, { recursive: true });
  const files = 4;
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < files; i++) {
    const fd = openSync(path.join(target, `chunk-${i}.bin`), 'w');
    try {
      for (let left = Math.ceil(bytes / files); left > 0; left -= buffer.length) {
        randomFillSync(buffer);
        writeSync(fd, buffer, 0, Math.min(left, buffer.length));
      }
    } finally {
      closeSync(fd);
    }
  }
  runner.run('tar', ['--create', '--owner=0', '--group=0', '--numeric-owner', '--sort=name', '-f', tarFile, '-C', dir, 'opt']);
  rmSync(dir, { recursive: true, force: true });
}
