import { describe, expect, it } from 'vitest';
import { isSealkitError } from '../../../src/errors.js';
import { DEV_PROPERTY } from '../../../src/sbom/format/cyclonedx-bom.js';
import { serializeCycloneDxJson, type CycloneDxVersion } from '../../../src/sbom/format/cyclonedx.js';
import type { Sbom } from '../../../src/sbom/model.js';
import { imageSbom, projectSbom, workspaceSbom } from './samples.js';

interface Component {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  scope?: string;
  'bom-ref'?: string;
  properties?: Array<{ name: string; value: string }>;
  components?: Component[];
}
interface Document {
  metadata: { component: Component };
  components: Component[];
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}

const VERSIONS: readonly CycloneDxVersion[] = ['1.7', '1.6', '1.5', '1.4'];

function cdx(sbom: Sbom, version: CycloneDxVersion = '1.6'): Document {
  return JSON.parse(serializeCycloneDxJson(sbom, version)) as Document;
}

function dependsOn(document: Document, ref: string): string[] | undefined {
  return document.dependencies.find((d) => d.ref === ref)?.dependsOn;
}

function property(component: Component | undefined, name: string): string[] {
  return (component?.properties ?? []).filter((p) => p.name === name).map((p) => p.value);
}

describe('the subject of a source that describes one project', () => {
  it.each(VERSIONS)('is the project, an application with its purl and version, the source as properties (%s)', (version) => {
    const subject = cdx(projectSbom(), version).metadata.component;
    expect(subject).toMatchObject({
      type: 'application',
      name: 'web-app',
      version: '2.0.0',
      purl: 'pkg:npm/web-app@2.0.0',
      'bom-ref': 'project:pkg:npm/web-app@2.0.0',
    });
    expect(property(subject, 'sealkit:source:kind')).toEqual(['lockfile']);
    expect(property(subject, 'sealkit:source:name')).toEqual(['package-lock.json']);
    expect(property(subject, 'sealkit:location:0:path')).toEqual(['/package-lock.json']);
    expect(subject.components).toBeUndefined();
  });

  it('depends on the project’s direct dependencies, of every type, each type other than depends-on named', () => {
    const document = cdx(projectSbom());
    expect(dependsOn(document, 'project:pkg:npm/web-app@2.0.0')).toEqual([
      'pkg:npm/express@4.21.2',
      'pkg:npm/fsevents@2.3.3',
      'pkg:npm/vitest@3.0.0',
    ]);
    const subject = document.metadata.component;
    expect(property(subject, 'sealkit:relationship:dev-depends-on')).toEqual(['pkg:npm/vitest@3.0.0']);
    expect(property(subject, 'sealkit:relationship:optional-depends-on')).toEqual(['pkg:npm/fsevents@2.3.3']);
    expect(dependsOn(document, 'pkg:npm/express@4.21.2')).toEqual(['pkg:npm/debug@2.6.9']);
  });

  it('is never one of the components', () => {
    const refs = cdx(projectSbom()).components.map((c) => c['bom-ref']);
    expect(refs).not.toContain('project:pkg:npm/web-app@2.0.0');
    expect(refs).toHaveLength(4);
  });
});

describe('the subject of a directory with several projects', () => {
  it.each(VERSIONS)('is the directory, whose parts are the projects (%s)', (version) => {
    const subject = cdx(workspaceSbom(), version).metadata.component;
    expect(subject).toMatchObject({ type: 'application', name: 'monorepo' });
    expect(subject.purl).toBeUndefined();
    expect(subject.components?.map((c) => [c['bom-ref'], c.type, c.name, c.version, c.purl])).toEqual([
      ['project:/tools/Cargo.lock', 'application', 'tools', undefined, undefined],
      ['project:pkg:npm/%40acme/api@1.0.0', 'application', '@acme/api', '1.0.0', 'pkg:npm/%40acme/api@1.0.0'],
    ]);
    expect(property(subject.components?.[0], 'sealkit:location:0:path')).toEqual(['/tools/Cargo.lock']);
  });

  it('lists each project’s direct dependencies under its own ref, the directory’s as none', () => {
    const document = cdx(workspaceSbom());
    expect(dependsOn(document, 'project:pkg:npm/%40acme/api@1.0.0')).toEqual(['pkg:npm/lodash@4.17.21', 'pkg:npm/typescript@5.7.2']);
    expect(dependsOn(document, 'project:/tools/Cargo.lock')).toEqual(['pkg:cargo/serde@1.0.217']);
    expect(dependsOn(document, document.metadata.component['bom-ref'] ?? '')).toBeUndefined();
  });

  it('gives an image no project parts', () => {
    expect(cdx(imageSbom()).metadata.component.components).toBeUndefined();
  });
});

describe('a package locked only for development', () => {
  it.each(VERSIONS)('has scope excluded and the dev property; no other package has either (%s)', (version) => {
    const components = cdx(projectSbom(), version).components;
    const marked = components.filter((c) => c.scope !== undefined || property(c, DEV_PROPERTY).length > 0);
    expect(marked.map((c) => [c.name, c.scope, property(c, DEV_PROPERTY)])).toEqual([['vitest', 'excluded', ['true']]]);
  });

  it('keeps an optional package unmarked but for its metadata', () => {
    const fsevents = cdx(projectSbom()).components.find((c) => c.name === 'fsevents');
    expect(fsevents?.scope).toBeUndefined();
    expect(property(fsevents, 'sealkit:metadata:optional')).toEqual(['true']);
    expect(property(fsevents, 'sealkit:metadata:platform')).toEqual(['darwin']);
  });
});

describe('an inconsistent project model', () => {
  it.each([
    ['a project id that a package uses', (s: Sbom) => s.projects?.push({ id: 'pkg:npm/express@4.21.2', name: 'x', locations: [] })],
    ['an empty project id', (s: Sbom) => s.projects?.push({ id: '', name: 'x', locations: [] })],
    ['a relationship from an unknown project', (s: Sbom) => s.relationships.push({ from: 'project:nope', to: 'pkg:npm/debug@2.6.9', type: 'depends-on' })],
  ])('is INVALID_ARGUMENT: %s', (_what, spoil) => {
    const sbom = projectSbom();
    spoil(sbom);
    let error: unknown;
    try {
      serializeCycloneDxJson(sbom, '1.6');
    } catch (caught) {
      error = caught;
    }
    expect(isSealkitError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
