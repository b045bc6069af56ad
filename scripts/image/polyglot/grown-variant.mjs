/**
 * The polyglot image grown to about twice its size by what sealkit reads, not by data it skips:
 * one more layer holding a copy of the base layer's /usr under /opt/mirror/usr, so that every
 * jar, Go executable, gemspec and Python distribution of Debian is there twice. The packages stay
 * the same (each gains a location); the bytes to stream, capture and parse double.
 * @module
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describeLayoutImage } from '../lib/oci-layout.mjs';

/** File names of the grown variant's archives, by the kind tests and benchmarks know them as. */
export const GROWN_ARCHIVES = Object.freeze({ 'oci-archive': 'image-2x.oci.tar', 'docker-archive': 'image-2x.docker.tar' });

/** Where the copy of /usr goes. */
export const MIRROR = '/opt/mirror';

/**
 * Tags `grownRef` in `layout` (the image `ref` plus the mirror layer) and writes it as {@link GROWN_ARCHIVES}.
 * @param {import('../lib/quiet-run.mjs').QuietRunner} runner
 * @param {{ work: string, layout: string, ref: string, grownRef: string, dockerTag: string }} input
 * @returns {ReturnType<typeof describeLayoutImage>}
 */
export function writeGrownVariant(runner, { work, layout, ref, grownRef, dockerTag }) {
  const at = (name) => path.join(work, name);
  const unpacked = at('grown-rootfs');
  runner.run('umoci', ['raw', 'unpack', '--image', `${layout}:${ref}`, unpacked]);
  const mirrorTar = at('mirror.tar');
  // hard link targets are renamed with their links; absolute symbolic links keep pointing at /usr
  runner.run('tar', ['--create', '--numeric-owner', '--sort=name', '--transform', `s,^usr,${MIRROR.slice(1)}/usr,`,
    '-f', mirrorTar, '-C', unpacked, 'usr']);
  rmSync(unpacked, { recursive: true, force: true });
  runner.run('umoci', ['raw', 'add-layer', '--image', `${layout}:${ref}`, '--tag', grownRef,
    '--history.created_by', `cp -a /usr ${MIRROR}/usr`, mirrorTar]);
  rmSync(mirrorTar);
  const copy = (dest) => runner.run('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci:${layout}:${grownRef}`, dest]);
  copy(`oci-archive:${at(GROWN_ARCHIVES['oci-archive'])}:${grownRef}`);
  copy(`docker-archive:${at(GROWN_ARCHIVES['docker-archive'])}:${dockerTag}:${grownRef}`);
  return describeLayoutImage(layout, grownRef);
}
