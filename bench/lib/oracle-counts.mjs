/**
 * How many packages of each ecosystem the oracles of a real test image report, counted the way
 * {@link countPackages} counts a CycloneDX document (each distinct name and version once), so that
 * sealkit's and cdxgen's counts can be set beside them. The end-to-end tests compare the lists
 * themselves; this is only the count.
 * @module
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

function npmCount(trees) {
  const seen = new Set();
  const visit = (dependencies) => {
    for (const [name, node] of Object.entries(dependencies ?? {})) {
      if (node.version) seen.add(`${name}@${node.version}`);
      visit(node.dependencies);
    }
  };
  for (const tree of trees) visit(tree.dependencies);
  return seen.size;
}

/** Distinct `module@version` of `go version -m` output: main modules, dependencies as built, and stdlib. */
function goCount(text) {
  const seen = new Set();
  let main;
  let last;
  for (const line of text.split('\n')) {
    const header = /^(\S.*): (go\S+)/.exec(line);
    if (header) {
      seen.add(`stdlib@${header[2]}`);
      main = undefined;
      last = undefined;
      continue;
    }
    const [kind, modulePath, version] = line.slice(1).split('\t');
    if (kind === 'path') seen.add((main = `${modulePath}@`));
    else if (kind === 'mod') {
      seen.delete(main);
      // a (devel) main module is versioned from its VCS settings or not at all; its name counts once either way
      seen.add((main = `${modulePath}@${version === '(devel)' ? '(devel)' : version}`));
    } else if (kind === 'dep') seen.add((last = `${modulePath}@${version}`));
    else if (kind === '=>' && last) {
      seen.delete(last);
      seen.add(`${modulePath}@${version}`);
    }
  }
  return seen.size;
}

/**
 * Counts by purl type of what the oracles of the image described by `description` list.
 * @param {string} dir the image's cache folder
 * @param {any} description its image.json
 * @returns {Record<string, number>}
 */
export function oracleCounts(dir, description) {
  const read = (name) => readFileSync(path.join(dir, description.oracles[name]), 'utf8');
  const json = (name) => JSON.parse(read(name));
  const npm = json('npm');
  const counts = {
    deb: json('dpkg').filter((row) => row.status.startsWith('ii')).length,
    // the first image records one `npm ls` tree, the polyglot image one per project folder
    npm: npmCount(npm.dependencies ? [npm] : Object.values(npm)),
    pypi: json('python').length,
  };
  const { oracles } = description;
  if (oracles.rpm) counts.rpm = read('rpm').split('\n').filter(Boolean).length;
  if (oracles.go) counts.golang = goCount(read('go'));
  if (oracles.gems) counts.gem = new Set(json('gems').map(([name, version]) => `${name}@${version}`)).size;
  if (oracles.maven) {
    const jars = json('maven');
    // a jar without Maven metadata counts once, under whatever name a scanner gives it
    counts.maven =
      new Set(jars.filter((jar) => jar.mavenMetadata).flatMap((jar) => jar.coordinates)).size +
      jars.filter((jar) => !jar.mavenMetadata).length +
      (description.fatJar ? 1 : 0);
  }
  return counts;
}
