// A trap or abort of wasm-vips (a WebAssembly.RuntimeError) may leave the instance unusable, so
// the worker that owns it must not be used again: the failure is recognised through the errors
// that wrap it, an encoder that hits one reports it to its host after replying, and a plain
// error (a damaged file, say) does neither. The failures here are injected: no input is known
// that makes libvips trap.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { serveEncodeRequests } from '../shared/encode-pool/encoder-service.ts';
import type { EncodeReply, EncodeRequest, PortLike } from '../shared/encode-pool/protocol.ts';
import { resolveTileOptions } from '../shared/options.ts';
import { tileImage } from '../shared/tile-image.ts';
import { ImageInputError, WASM_FAILURE, isWasmFailure } from '../shared/vips/errors.ts';
import type { Vips } from '../shared/vips/types.ts';
import { sharedVips } from './helpers/tile-in-process.ts';

const trap = (): WebAssembly.RuntimeError => new WebAssembly.RuntimeError('memory access out of bounds');

describe('wasm failures', () => {
  it('are recognised directly, through causes, and by name; other errors are not', () => {
    expect(isWasmFailure(trap())).toBe(true);
    expect(isWasmFailure(new ImageInputError('out of memory while decoding', { cause: trap() }))).toBe(true);
    expect(isWasmFailure(new Error('outer', { cause: new Error('middle', { cause: trap() }) }))).toBe(true);
    expect(isWasmFailure(Object.assign(new Error('Aborted(OOM)'), { name: WASM_FAILURE }))).toBe(true);
    expect(isWasmFailure(new ImageInputError('truncated file', { cause: new Error('VipsJpeg: Premature end of input file') }))).toBe(false);
    expect(isWasmFailure(new Error('plain'))).toBe(false);
    expect(isWasmFailure('a string')).toBe(false);
    expect(isWasmFailure(undefined)).toBe(false);
  });

  it('while decoding, come out of tileImage as an input error that still says what it was', async () => {
    const vips = await sharedVips();
    const aborted: string[] = [];
    const writer = { put: () => undefined, commit: async () => undefined, abort: async () => void aborted.push('aborted') };
    const request = {
      id: 'trap',
      sourceName: 'trap.jpg',
      sourceSize: 1,
      sourceModified: 0,
      options: resolveTileOptions({}),
      open: (): never => {
        throw trap();
      },
    };
    const err = await tileImage(vips, request, writer).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageInputError);
    expect((err as Error).message).toMatch(/out of memory while decoding \(memory access out of bounds\)/);
    expect(isWasmFailure(err)).toBe(true);
    expect(aborted).toEqual(['aborted']);
  });

  it('in an encoder are replied to, then reported to its host; a plain error only replied to', async () => {
    const vips = await sharedVips();
    // The next newFromMemory throws `failWith` once.
    let failWith: Error | undefined;
    const image = new Proxy(vips.Image, {
      get(target, prop, receiver) {
        if (prop !== 'newFromMemory') return Reflect.get(target, prop, receiver);
        return (...args: unknown[]) => {
          const err = failWith;
          failWith = undefined;
          if (err) throw err;
          return (target.newFromMemory as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    const failing = new Proxy(vips, { get: (t, p, r) => (p === 'Image' ? image : Reflect.get(t, p, r)) }) as Vips;
    const reported: unknown[] = [];
    const { port1, port2 } = new MessageChannel();
    serveEncodeRequests(failing, port2 as unknown as PortLike, (err) => reported.push(err));
    let nextId = 1;
    const encode = (): Promise<EncodeReply> =>
      new Promise((resolve) => {
        const id = nextId++;
        port1.on('message', function onReply(reply: EncodeReply) {
          if (reply.id !== id) return;
          port1.off('message', onReply);
          resolve(reply);
        });
        const pixels = { width: 512, height: 256, bands: 3, data: new Uint8Array(512 * 256 * 3).fill(128) };
        port1.postMessage({ kind: 'tiles', id, pixels, tileWidth: 256, settings: { format: 'jpg', quality: 85 } } satisfies EncodeRequest);
      });
    try {
      failWith = new Error('vips_image_new_from_memory: bad arguments');
      const plain = await encode();
      expect('error' in plain && plain.error).toMatch(/encoding failed: vips_image_new_from_memory: bad arguments/);
      expect(reported).toEqual([]);

      failWith = trap();
      const trapped = await encode();
      expect('error' in trapped && trapped.error).toMatch(/encoding failed: memory access out of bounds/);
      expect(reported).toHaveLength(1);
      expect(isWasmFailure(reported[0])).toBe(true);

      // The service itself goes on answering: stopping the encoder is its host's decision.
      const fine = await encode();
      expect('files' in fine && fine.files).toHaveLength(2);
    } finally {
      port1.close();
    }
  });
});
