/**
 * The cataloger registry: one line per ecosystem. The pipeline asks each cataloger for the files
 * it wants (`patterns`, `related`) and hands them to its parser.
 * @module
 */
import { apkCataloger } from './apk.js';
import type { Cataloger } from './cataloger.js';
import { dotnetDepsCataloger } from './dotnet-deps.js';
import { dpkgCataloger } from './dpkg.js';
import { goBinaryCataloger } from './golang/go-binary.js';
import { javaArchiveCataloger } from './java/archive-cataloger.js';
import { npmLockfileCataloger } from './npm-lockfile.js';
import { npmCataloger } from './npm.js';
import { phpComposerCataloger } from './php-composer.js';
import { pythonCataloger } from './python.js';
import { rpmCataloger } from './rpm/cataloger.js';
import { rubyGemspecCataloger } from './ruby-gemspec.js';
import { cargoAuditableCataloger } from './rust/cargo-auditable.js';

/** Every cataloger sealkit runs, in a fixed order. */
export const catalogers: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  pythonCataloger,
  npmCataloger,
  npmLockfileCataloger,
  javaArchiveCataloger,
  rubyGemspecCataloger,
  phpComposerCataloger,
  dotnetDepsCataloger,
  goBinaryCataloger,
  cargoAuditableCataloger,
];

export { DISTRO_PATTERNS, detectDistro } from './distro.js';
