// The wasm-vips module type, shared by the agent (Node build) and the browser build.
import type VipsNamespace from 'wasm-vips';

export type Vips = typeof VipsNamespace;
export type VipsImage = VipsNamespace.Image;
