/**
 * What every source (image, directory, lockfile) hands the SBOM pipeline: a description of
 * itself and the {@link LayeredTree} of the files catalogers asked for.
 * @module
 */
import type { SourceKind } from '../catalog/cataloger.js';
import type { SourceDescription } from '../model.js';
import type { CaptureLimits, LayeredTree } from './layered-tree.js';
import type { Selection } from './selection.js';
import type { SpillArea } from './spill-area.js';

/** Progress of {@link generateSbom}, reported through `onProgress`. */
export type SbomProgress =
  | {
      phase: 'layers';
      /** 1-based index of the layer being read. */
      layer: number;
      layers: number;
      /** Compressed bytes read so far across all layers, and in total. */
      bytesRead: number;
      bytesTotal: number;
    }
  | {
      /** An archive read front to back (compressed, or from a stream): layers are met in archive order. */
      phase: 'stream';
      /** Bytes of the archive read so far, as given (compressed when it is). */
      bytesRead: number;
      /** The archive's size, when known (a file, not a pipe). */
      bytesTotal?: number;
      /** Layer blobs met so far; which of them the image uses, and in which order, is known at the end. */
      layers: number;
    }
  | { phase: 'directory'; filesSeen: number }
  | { phase: 'catalog' };

/** How a source scans. */
export interface ScanOptions {
  /** `os/arch[/variant]` to pick from a multi-platform index. */
  platform: string;
  /** The files to keep, by path and by content. */
  selection: Selection;
  limits?: CaptureLimits;
  /**
   * Where files too large for memory go while a layer streams. The caller owns it and disposes
   * of it once the scanned source is no longer read, however the scan ended.
   */
  spill?: SpillArea;
  /** Only the last view is reported: files kept out of memory that a later layer hides are released early. */
  releaseHidden?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SbomProgress) => void;
}

/** How {@link openSource} scans: the files to keep depend on the kind of source found. */
export interface OpenOptions extends Omit<ScanOptions, 'selection'> {
  selectionFor(kind: SourceKind): Selection;
}

/** A scanned source, ready for cataloging. */
export interface ScannedSource {
  kind: SourceKind;
  description: SourceDescription;
  tree: LayeredTree;
  /**
   * Fetches the files that views reported missing (link targets nobody asked for).
   * Returns false when nothing was missing, so the caller can stop iterating.
   */
  fetchMissing(): Promise<boolean>;
  close(): Promise<void>;
}
