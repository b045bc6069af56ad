/**
 * The cataloger registry: one line per ecosystem. The pipeline asks each cataloger for the files
 * it wants (`patterns`, `related`) and hands them to its parser.
 * @module
 */
import { apkCataloger } from './apk.js';
import type { Cataloger } from './cataloger.js';
import { dotnetDepsCataloger } from './dotnet-deps.js';
import { dotnetPackagesLockCataloger } from './dotnet/packages-lock.js';
import { dpkgCataloger } from './dpkg.js';
import { goBinaryCataloger } from './golang/go-binary.js';
import { goModCataloger } from './golang/go-mod.js';
import { javaArchiveCataloger } from './java/archive-cataloger.js';
import { bunLockCataloger } from './javascript/bun-lock.js';
import { pnpmLockCataloger } from './javascript/pnpm-lock.js';
import { yarnLockCataloger } from './javascript/yarn-lock.js';
import { npmLockfileCataloger } from './npm-lockfile.js';
import { npmCataloger } from './npm.js';
import { phpComposerCataloger } from './php-composer.js';
import { composerLockCataloger } from './php/composer-lock.js';
import { pythonCataloger } from './python.js';
import { pdmLockCataloger } from './python-lockfiles/pdm-lock.js';
import { pipfileLockCataloger } from './python-lockfiles/pipfile-lock.js';
import { poetryLockCataloger } from './python-lockfiles/poetry-lock.js';
import { requirementsCataloger } from './python-lockfiles/requirements.js';
import { uvLockCataloger } from './python-lockfiles/uv-lock.js';
import { rpmCataloger } from './rpm/cataloger.js';
import { rubyGemspecCataloger } from './ruby-gemspec.js';
import { gemfileLockCataloger } from './ruby/gemfile-lock.js';
import { cargoAuditableCataloger } from './rust/cargo-auditable.js';
import { cargoLockCataloger } from './rust/cargo-lock.js';

/** Every cataloger sealkit runs, in a fixed order. */
export const catalogers: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  pythonCataloger,
  poetryLockCataloger,
  uvLockCataloger,
  pipfileLockCataloger,
  pdmLockCataloger,
  requirementsCataloger,
  npmCataloger,
  npmLockfileCataloger,
  yarnLockCataloger,
  pnpmLockCataloger,
  bunLockCataloger,
  javaArchiveCataloger,
  rubyGemspecCataloger,
  gemfileLockCataloger,
  phpComposerCataloger,
  composerLockCataloger,
  dotnetDepsCataloger,
  dotnetPackagesLockCataloger,
  goBinaryCataloger,
  goModCataloger,
  cargoAuditableCataloger,
  cargoLockCataloger,
];

export { DISTRO_PATTERNS, detectDistro } from './distro.js';
