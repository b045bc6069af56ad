"""The Java oracle of the polyglot image: for every jar file in a root filesystem, the Maven
coordinates of the poms Debian installs for it in /usr/share/maven-repo, read with ElementTree.

A pom belongs to a jar when the .jar beside it in the maven-repo is a link that resolves, inside
the root, to that jar. Debian's version-agnostic aliases (version folders `debian` and `N.x`)
repeat a real version's pom and are left out. Prints JSON, one entry per regular .jar file,
sorted: {"jar", "coordinates": [...], "mavenMetadata"}; a jar no pom names has no coordinates, and
`mavenMetadata` tells whether the jar itself holds a META-INF/maven/**/pom.properties (read with
zipfile), without which a scanner can only guess its coordinates.

Usage: python3 maven-repo-oracle.py ROOT
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

NS = '{http://maven.apache.org/POM/4.0.0}'


def text(element, tag):
    for name in (NS + tag, tag):
        found = element.find(name)
        if found is not None and found.text and found.text.strip():
            return found.text.strip()
    return None


def resolve(root, path):
    """The path `path` (absolute, inside the image) leads to, following links as the image would."""
    for _ in range(40):
        host = root + path
        if not os.path.islink(host):
            return path
        target = os.readlink(host)
        path = os.path.normpath(target if target.startswith('/') else os.path.join(os.path.dirname(path), target))
    raise SystemExit(f'link loop at {path}')


def coordinates(pom):
    project = ET.parse(pom).getroot()
    parent = project.find(NS + 'parent')
    if parent is None:
        parent = project.find('parent')
    group = text(project, 'groupId') or (parent is not None and text(parent, 'groupId'))
    version = text(project, 'version') or (parent is not None and text(parent, 'version'))
    return f'{group}:{text(project, "artifactId")}:{version}'


def main(root):
    root = os.path.abspath(root)
    jars = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            host = os.path.join(dirpath, name)
            if name.endswith('.jar') and not os.path.islink(host) and os.path.isfile(host):
                jars[host[len(root):]] = set()
    repo = os.path.join(root, 'usr/share/maven-repo')
    for dirpath, _, files in os.walk(repo):
        version_dir = os.path.basename(dirpath)
        if version_dir == 'debian' or re.search(r'(^|\.)x$', version_dir):
            continue
        for name in files:
            pom = os.path.join(dirpath, name[:-4] + '.pom')
            if not name.endswith('.jar') or not os.path.exists(pom):
                continue
            jar = resolve(root, os.path.join(dirpath, name)[len(root):])
            if jar in jars:
                jars[jar].add(coordinates(pom))
    print(json.dumps([{'jar': jar, 'coordinates': sorted(found), 'mavenMetadata': has_pom_properties(root + jar)}
                      for jar, found in sorted(jars.items())], indent=2))


def has_pom_properties(jar):
    with zipfile.ZipFile(jar) as archive:
        return any(name.startswith('META-INF/maven/') and name.endswith('/pom.properties') for name in archive.namelist())


if __name__ == '__main__':
    main(sys.argv[1])
