#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Compiling sealkit's modules and its dependencies' is a large part of a short run's start-up (a small
// lockfile's SBOM is made in a fraction of it). Node keeps the compiled code in a cache folder of
// os.tmpdir() and re-uses it while the files are unchanged; NODE_COMPILE_CACHE moves the folder
// and NODE_DISABLE_COMPILE_CACHE turns the cache off. A folder it cannot write only goes unused.
enableCompileCache();

// `sealkit sbom` is a short process whose peak memory is part of what it promises (measured by
// bench/sbom.mjs). Two V8 defaults made for long-running servers cost it most of that peak, and
// only flags change them, which a library must not set for its embedder; this command sets them
// for itself, before anything is loaded:
// - the young generation grows to 2 x 16 MiB as objects survive a scan; kept at its initial
//   size, peak RSS is 20-30 MiB lower for the same speed. A lockfile is no exception, though it is
//   parsed whole: what its parse allocates mostly survives, so copying the survivors is the cost
//   of collecting it, whatever the young generation's size (a 1 MiB package-lock.json took the
//   same time either way, and 30 MiB more with room to grow);
// - V8 re-compiles hot WebAssembly with its optimizing compiler, which took 15-30 MiB for a few
//   milliseconds to optimize SQLite (sql.js) for an rpm database of a few hundred rows; the
//   baseline compiler's code reads such a database in well under a second.
// - V8 optimizes hot functions on background threads, each of which grows its own allocator
//   arena for the compiler's scratch memory and keeps it: on the main thread, between two steps
//   of the scan, the same work took about 10 MiB less at its peak, at no measurable cost in time.
// - V8's mid-tier optimizing compiler (Maglev) added 8-15 MiB to the peak of a large image's
//   scan, and most of its run-to-run spread (103-121 MiB for the same image), for no measurable
//   gain in time: the scan's hot loops reach the top tier either way.
// - the scan collects garbage in full after each cataloger that parsed files, through a global
//   `gc` (src/sbom/catalog-views.ts): what those collections free mostly lies outside the small
//   JavaScript heap (a WebAssembly SQLite's memory, inflated archive entries), which V8 would
//   otherwise collect seldom, so it piled up with the size of the image. A few collections of a
//   heap of tens of MiB cost milliseconds; `gc` is only exposed by a flag, and a context created
//   after the flag is set has it.
// `sealkit promote` keeps the young generation at its size too: a copy streams blobs through in
// network buffers that die young, and collecting them in a young generation grown to 2 x 16 MiB
// cost a copy of the polyglot image ~50 MiB of peak memory and a quarter of its CPU time.
// A node flag the user gave for any of them wins.
const userFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
const youngGenerationGiven = /--(max|min)-semi-space-size|--semi-space-growth-factor/.test(userFlags);
if (process.argv[2] === 'promote' && !youngGenerationGiven) setFlagsFromString('--semi-space-growth-factor=1');
if (process.argv[2] === 'sbom') {
  if (typeof globalThis.gc !== 'function') {
    setFlagsFromString('--expose-gc');
    globalThis.gc = runInNewContext('gc');
  }
  if (!/--(no-)?concurrent-recompilation/.test(userFlags)) setFlagsFromString('--no-concurrent-recompilation');
  if (!/--(no-)?maglev\b/.test(userFlags)) setFlagsFromString('--no-maglev');
  if (!youngGenerationGiven) setFlagsFromString('--semi-space-growth-factor=1');
  if (!/--wasm-tiering-budget|--(no-)?wasm-tier-up|--liftoff-only|--no-liftoff/.test(userFlags)) setFlagsFromString('--wasm-tiering-budget=1000000000');
}

const { main } = await import('../dist/cli/main.js');

// A reader that stops early (`sealkit sbom img.tar | head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
