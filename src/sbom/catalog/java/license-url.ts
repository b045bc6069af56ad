/**
 * License URLs Java metadata gives instead of names (`Bundle-License`, a POM `<license>` without
 * a `<name>`): only the canonical addresses of license texts that name exactly one SPDX license.
 * A project page, or a URL that cannot tell "only" from "or later" (the GNU licenses), is not here
 * and stays a name.
 * @module
 */

/** Canonical URL (no scheme, no `www.`, no trailing slash or `.txt`/`.html`/`.php`) -> SPDX id. */
const SPDX_BY_URL: ReadonlyMap<string, string> = new Map([
  ['apache.org/licenses/license-2.0', 'Apache-2.0'],
  ['opensource.org/licenses/apache-2.0', 'Apache-2.0'],
  ['apache.org/licenses/license-1.1', 'Apache-1.1'],
  ['opensource.org/licenses/mit', 'MIT'],
  ['opensource.org/licenses/mit-license', 'MIT'],
  ['opensource.org/licenses/bsd-3-clause', 'BSD-3-Clause'],
  ['opensource.org/licenses/bsd-2-clause', 'BSD-2-Clause'],
  ['eclipse.org/legal/epl-2.0', 'EPL-2.0'],
  ['eclipse.org/legal/epl-v20', 'EPL-2.0'],
  ['eclipse.org/legal/epl-v10', 'EPL-1.0'],
  ['eclipse.org/org/documents/edl-v10', 'BSD-3-Clause'],
  ['mozilla.org/mpl/2.0', 'MPL-2.0'],
  ['creativecommons.org/publicdomain/zero/1.0', 'CC0-1.0'],
]);

/** The SPDX id a license URL certainly stands for, or undefined. */
export function spdxIdForUrl(url: string): string | undefined {
  const key = url
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/\.(?:txt|html?|php)$/, '');
  return SPDX_BY_URL.get(key);
}
