// The malloc and free of a wasm-vips instance, for blocks of wasm memory reused across calls.

import type { Vips } from './types.ts';

/** The malloc/free pair wasm-vips exports (not in its type declarations). */
export interface WasmAllocator {
  malloc(size: number): number;
  free(ptr: number): void;
}

/** The instance's own malloc and free, if it exports them. */
export function wasmAllocatorOf(vips: Vips): WasmAllocator | undefined {
  const exports = vips as unknown as { _emscripten_builtin_malloc?: unknown; _emscripten_builtin_free?: unknown };
  const { _emscripten_builtin_malloc: malloc, _emscripten_builtin_free: free } = exports;
  if (typeof malloc !== 'function' || typeof free !== 'function') return undefined;
  return { malloc: (size) => malloc(size) as number, free: (ptr) => void free(ptr) };
}
