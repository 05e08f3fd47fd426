// One of libvips' threads (an emscripten pthread): wasm-vips' glue, started as emscripten
// starts it, except that the thread skips setting up the JavaScript API (embind). The glue sets
// it up in every thread, though only the thread that loaded wasm-vips calls it: libvips' threads
// run C code and hand every call into JavaScript over to that thread (wasm-vips' proxy_sync).
// Setting it up is ~65 ms of CPU per thread, six threads per run. Plain JavaScript, so that it
// starts without a TypeScript loader, from the sources and from the bundle alike.

const { Instance } = WebAssembly;

/** The glue instantiates libvips with `new WebAssembly.Instance` in a pthread. */
WebAssembly.Instance = function LibvipsThreadInstance(module, imports) {
  const instance = new Instance(module, imports);
  if (typeof instance.exports._embind_initialize_bindings !== 'function') return instance;
  const { _embind_initialize_bindings: _, ...exports } = instance.exports;
  // Not enumerable: the glue enters every enumerable export into the function table, and only
  // wasm functions go there.
  Object.defineProperty(exports, '_embind_initialize_bindings', { value: () => undefined });
  return { exports };
};

await import('wasm-vips');
