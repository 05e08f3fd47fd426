// One of libvips' threads (an emscripten pthread): wasm-vips' glue, started as emscripten
// starts it, except that the thread does not register the JavaScript API (embind). The glue
// registers it in every thread, though only the thread that loaded wasm-vips calls it: libvips'
// threads run C code and hand every call into JavaScript over to that thread (wasm-vips'
// proxy_sync). Registering is ~65 ms of CPU per thread, three threads per wasm-vips instance.
// The agent starts its thread workers from this file (agent/lib/vips.ts), the web app has the
// glue start them from it (web/tiler/vips-browser.ts). Plain JavaScript, so that a Node worker
// starts it without a TypeScript loader; `wasm-vips` is the glue for Node or the browser.

import 'wasm-vips';

const { Instance, Module } = WebAssembly;

/**
 * A wasm function that does nothing, `() => void` like `_embind_initialize_bindings`. A wasm
 * function, not a JavaScript one: the glue enters every export into this thread's function
 * table, as it does in the others, and the tables must stay alike.
 */
function wasmNoOp() {
  const bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 0x66, 0, 0, 10, 4, 1, 2, 0, 0x0b];
  return new Instance(new Module(new Uint8Array(bytes)), {}).exports.f;
}

// The glue instantiates libvips with `new WebAssembly.Instance` in a pthread, then calls the
// registration once, before the thread's first task. It does so on the first message from the
// loading thread, which comes after this module has run: the glue (imported above, so evaluated
// first) sets its message handler while it is evaluated, as emscripten expects. Imported
// dynamically, it set the handler later, and in a loaded browser some of the web app's threads
// never started: a message that reaches a worker before it listens can be lost.
WebAssembly.Instance = function LibvipsThreadInstance(module, imports) {
  const instance = new Instance(module, imports);
  if (typeof instance.exports._embind_initialize_bindings !== 'function') return instance;
  return { exports: { ...instance.exports, _embind_initialize_bindings: wasmNoOp() } };
};
