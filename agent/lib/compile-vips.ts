// Compiling libvips' WebAssembly without loading wasm-vips (the CLI's thread never runs it).

import { readFileSync } from 'node:fs';
import { useWasmTieringBudget } from './wasm-tiering.ts';

/**
 * libvips' WebAssembly, compiled once per process and handed to every worker thread. Each
 * thread compiling its own copy also optimises its own copy: V8 recompiles the hot functions
 * (JPEG decode and encode) once per compiled module, a second of CPU that the tiling threads
 * would wait for on a small machine. Threads given the same module share the optimised code.
 *
 * Reading and compiling start on the next turn of the event loop: they hold this thread for
 * ~50 ms, and worker threads started in the meantime (TilePool) boot during them, not after.
 */
export async function compileVips(): Promise<WebAssembly.Module> {
  useWasmTieringBudget();
  await new Promise((resolve) => setImmediate(resolve));
  const wasm = new URL('vips.wasm', import.meta.resolve('wasm-vips'));
  return WebAssembly.compile(readFileSync(wasm));
}
