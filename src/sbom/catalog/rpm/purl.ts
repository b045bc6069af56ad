/**
 * Package URLs of rpm packages, following the purl type definition for `rpm` and the
 * conventions syft and Trivy share: `pkg:rpm/<namespace>/<name>@<version>-<release>` with the
 * epoch as a qualifier (never inside the version), `arch`, `distro=<id>-<version>` and
 * `upstream=<source rpm file>`.
 * @module
 */
import { buildPurl, distroQualifier } from '../../purl.js';
import type { Distro } from '../../model.js';

/** What an installed rpm contributes to its purl. */
export interface RpmPurlInput {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  vendor?: string;
}

/** os-release ids whose purl namespace is another name (as syft writes them). */
const NAMESPACE_BY_DISTRO: Readonly<Record<string, string>> = { rhel: 'redhat' };

/** Vendors (the `Vendor:` tag) that name one distro, for roots without os-release. */
const NAMESPACE_BY_VENDOR: ReadonlyArray<readonly [RegExp, string]> = [
  [/^fedora\b/i, 'fedora'],
  [/^red hat\b/i, 'redhat'],
  [/^centos\b/i, 'centos'],
  [/^rocky\b/i, 'rocky'],
  [/^almalinux\b/i, 'almalinux'],
  [/^amazon\b/i, 'amazon'],
  [/^oracle america\b/i, 'oracle'],
  [/^openSUSE\b/i, 'opensuse'],
  [/^SUSE\b/i, 'suse'],
  [/^Microsoft\b/i, 'mariner'],
];

/**
 * The purl namespace: the distro's os-release id (`rhel` written `redhat`, `opensuse-leap` and
 * `opensuse-tumbleweed` written `opensuse`), else the distro a well-known vendor names, else none.
 */
export function rpmNamespace(distro: Distro | undefined, vendor: string | undefined): string | undefined {
  if (distro !== undefined) {
    if (distro.id.startsWith('opensuse')) return 'opensuse';
    return NAMESPACE_BY_DISTRO[distro.id] ?? distro.id;
  }
  if (vendor === undefined) return undefined;
  return NAMESPACE_BY_VENDOR.find(([pattern]) => pattern.test(vendor))?.[1];
}

/** `pkg:rpm/fedora/openssl-libs@3.1.1-4.fc39?arch=x86_64&distro=fedora-39&epoch=1&upstream=openssl-3.1.1-4.fc39.src.rpm`. */
export function rpmPurl(pkg: RpmPurlInput, distro: Distro | undefined): string {
  return buildPurl({
    type: 'rpm',
    namespace: rpmNamespace(distro, pkg.vendor),
    name: pkg.name,
    version: `${pkg.version}-${pkg.release}`,
    qualifiers: {
      arch: pkg.arch,
      epoch: pkg.epoch === undefined ? undefined : String(pkg.epoch),
      distro: distroQualifier(distro),
      upstream: pkg.sourceRpm,
    },
  });
}
