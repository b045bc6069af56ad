/**
 * Writes a docker-archive whose layers are gzip-compressed. `docker load` accepts such
 * archives, but skopeo always writes docker-archive layers uncompressed, so this starts
 * from skopeo's archive and swaps each layer for the gzip blob of the same layer in an
 * OCI layout (the blob whose uncompressed digest is that layer's diffID), then checks
 * every swapped layer still decompresses to its diffID and that skopeo can inspect the result.
 * @module
 */
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, copyFileSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { blobPath, describeLayoutImage } from './oci-layout.mjs';
import { BuildStepError, QuietRunner } from './quiet-run.mjs';

/** sha256 of the gunzipped content of `file`, as `sha256:…`. */
export async function gunzippedDigest(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), createGunzip(), async (chunks) => {
    for await (const chunk of chunks) hash.update(chunk);
  });
  return `sha256:${hash.digest('hex')}`;
}

/**
 * @param {import('./quiet-run.mjs').QuietRunner} runner
 * @param {{ dockerArchive: string, layoutDir: string, ref: string, dest: string, workDir: string }} input
 *   `dockerArchive` is skopeo's uncompressed archive of the image tagged `ref` in `layoutDir`.
 */
export async function writeGzipDockerArchive(runner, { dockerArchive, layoutDir, ref, dest, workDir }) {
  const image = describeLayoutImage(layoutDir, ref);
  const gzipByDiffID = new Map();
  for (const layer of image.layers) {
    if (!layer.mediaType.endsWith('+gzip') && !layer.mediaType.endsWith('.gzip')) {
      throw new BuildStepError(`layer ${layer.digest} of ${layoutDir}:${ref} is ${layer.mediaType}, not gzip`);
    }
    gzipByDiffID.set(layer.diffID, blobPath(layoutDir, layer.digest));
  }

  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  runner.run('tar', ['-xf', dockerArchive, '-C', workDir]);
  const manifest = JSON.parse(readFileSync(path.join(workDir, 'manifest.json'), 'utf8'));
  if (!Array.isArray(manifest) || manifest.length !== 1) {
    throw new BuildStepError(`${dockerArchive}: expected one image in manifest.json`);
  }
  const [entry] = manifest;
  const renamed = new Map();
  entry.Layers = entry.Layers.map((name, index) => {
    const diffID = image.layers[index]?.diffID;
    if (!diffID || name !== `${diffID.slice('sha256:'.length)}.tar`) {
      throw new BuildStepError(`${dockerArchive}: layer ${index} is ${name}, expected the file named by diffID ${diffID}`);
    }
    const gzName = `${name}.gz`;
    unlinkSync(path.join(workDir, name));
    copyFileSync(gzipByDiffID.get(diffID), path.join(workDir, gzName));
    // OCI layout blobs may be private to their owner; archive members are world-readable.
    chmodSync(path.join(workDir, gzName), 0o644);
    renamed.set(name, gzName);
    return gzName;
  });
  writeFileSync(path.join(workDir, 'manifest.json'), JSON.stringify(manifest));

  // The legacy `<id>/layer.tar` links of the older docker save format point at the layer files.
  const legacyDirs = readdirSync(workDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const dir of legacyDirs) {
    const link = path.join(workDir, dir, 'layer.tar');
    let target;
    try {
      target = readlinkSync(link);
    } catch {
      continue;
    }
    const gzName = renamed.get(path.basename(target));
    if (gzName) {
      unlinkSync(link);
      symlinkSync(`../${gzName}`, link);
    }
  }

  // Layers first and manifest.json near the end, the order docker save uses.
  const layers = entry.Layers;
  const rest = readdirSync(workDir).filter((n) => !layers.includes(n) && n !== 'manifest.json' && n !== 'repositories').sort();
  const tail = ['manifest.json', ...(readdirSync(workDir).includes('repositories') ? ['repositories'] : [])];
  rmSync(dest, { force: true });
  runner.run('tar', [
    '--create', '--format=ustar', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--no-recursion',
    '-f', dest, '-C', workDir,
    ...layers,
    ...rest.flatMap((name) => (legacyDirs.includes(name) ? [name, ...readdirSync(path.join(workDir, name)).sort().map((f) => `${name}/${f}`)] : [name])),
    ...tail,
  ]);
  rmSync(workDir, { recursive: true, force: true });

  for (const layer of image.layers) {
    const actual = await gunzippedDigest(gzipByDiffID.get(layer.diffID));
    if (actual !== layer.diffID) throw new BuildStepError(`gzip blob ${layer.digest} decompresses to ${actual}, not ${layer.diffID}`);
  }
  runner.run('skopeo', ['--insecure-policy', 'inspect', `docker-archive:${dest}`], { capture: true });
}

// Usage: node gzip-docker-archive.mjs <docker-archive.tar> <oci-layout-dir> <ref> <dest.tar> <log-file>
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dockerArchive, layoutDir, ref, dest, logFile] = process.argv.slice(2);
  if (!dockerArchive || !layoutDir || !ref || !dest || !logFile) {
    process.stderr.write('usage: gzip-docker-archive.mjs <docker-archive.tar> <oci-layout-dir> <ref> <dest.tar> <log-file>\n');
    process.exit(2);
  }
  await writeGzipDockerArchive(new QuietRunner(logFile), { dockerArchive, layoutDir, ref, dest, workDir: `${dest}.work` });
}
