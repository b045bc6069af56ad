"""Packs a Spring Boot executable jar the way spring-boot-maven-plugin lays it out: the
application's own files deflated, its libraries stored uncompressed under BOOT-INF/lib (the
launcher opens them in place), and the Maven descriptors under META-INF/maven.

Usage: python3 fat-jar.py OUT.jar GROUP ARTIFACT VERSION LIB.jar=ENTRY-NAME.jar ...
"""
import sys
import zipfile

# A fixed timestamp keeps the jar, and so the image, the same from one build to the next.
STAMP = (2024, 1, 1, 0, 0, 0)


def add(archive, name, data, method=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name, STAMP)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def main(out, group, artifact, version, *libs):
    manifest = (
        'Manifest-Version: 1.0\r\n'
        'Created-By: Maven JAR Plugin 3.3.0\r\n'
        'Build-Jdk-Spec: 17\r\n'
        f'Implementation-Title: {artifact}\r\n'
        f'Implementation-Version: {version}\r\n'
        'Main-Class: org.springframework.boot.loader.launch.JarLauncher\r\n'
        'Start-Class: com.example.reports.ReportServiceApplication\r\n'
        'Spring-Boot-Version: 3.2.0\r\n'
        'Spring-Boot-Classes: BOOT-INF/classes/\r\n'
        'Spring-Boot-Lib: BOOT-INF/lib/\r\n'
        '\r\n'
    )
    pom = f'''<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{group}</groupId>
  <artifactId>{artifact}</artifactId>
  <version>{version}</version>
  <name>{artifact}</name>
  <description>Renders reports as JSON</description>
</project>
'''
    with zipfile.ZipFile(out, 'w') as archive:
        add(archive, 'META-INF/', b'', zipfile.ZIP_STORED)
        add(archive, 'META-INF/MANIFEST.MF', manifest)
        add(archive, f'META-INF/maven/{group}/{artifact}/pom.xml', pom)
        add(archive, f'META-INF/maven/{group}/{artifact}/pom.properties',
            f'artifactId={artifact}\ngroupId={group}\nversion={version}\n')
        add(archive, 'BOOT-INF/classes/application.properties', 'server.port=8080\n')
        for lib in libs:
            source, entry = lib.split('=', 1)
            with open(source, 'rb') as jar:
                add(archive, f'BOOT-INF/lib/{entry}', jar.read(), zipfile.ZIP_STORED)


if __name__ == '__main__':
    main(*sys.argv[1:])
