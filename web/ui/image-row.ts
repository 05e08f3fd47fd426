// One row of the image list: the same element follows an image from queued to tiling to done
// (or error), so there is exactly one `image-row` per image id (plus rows for refused duplicates).

import { planImage } from '../../shared/iiif/plan.ts';
import { sizePath } from '../../shared/iiif/geometry.ts';
import type { StoredImage } from '../storage/types.ts';
import { readFile } from '../storage/store.ts';
import { type Child, append, button, el } from './dom.ts';
import { formatBytes, formatCount, formatDuration } from './format.ts';

export type RowState = 'queued' | 'tiling' | 'done' | 'error';

export type RowView =
  | { state: 'queued'; file: File }
  | { state: 'tiling'; file: File; checking: boolean }
  | { state: 'done'; image: StoredImage }
  | { state: 'error'; file?: File; message: string; duplicate?: boolean };

export interface RowActions {
  preview(): void;
  edit(): void;
  remove(): void;
  cancel(): void;
  retry(): void;
  replace(): void;
}

export interface TileProgress {
  files: number;
  totalFiles: number;
  bytes: number;
}

/** Seconds left from the rate so far; undefined until there is enough to go on. */
export function secondsLeft(p: TileProgress, elapsedMs: number): number | undefined {
  if (p.files < 1 || p.totalFiles <= p.files || elapsedMs < 1500) return undefined;
  const rate = p.files / elapsedMs; // files per ms
  return (p.totalFiles - p.files) / rate / 1000;
}

/** A small whole-image file to show as a thumbnail: the smallest listed size at least 96 px wide. */
function thumbnailPath(image: StoredImage): string | undefined {
  try {
    const plan = planImage({ width: image.width, height: image.height }, image.options);
    const size = plan.sizes.find((s) => Math.max(s.width, s.height) >= 96) ?? plan.sizes[plan.sizes.length - 1];
    if (!size) return undefined;
    const path = sizePath(image.options.iiifVersion, size, image.options.format);
    return path in image.index ? path : undefined;
  } catch {
    return undefined;
  }
}

function hidden(text: string): HTMLSpanElement {
  return el('span', { class: 'visually-hidden', text });
}

/** A row button whose accessible name also says which image it acts on ("Delete" + " sample"). */
function rowButton(label: string, id: string, testid: string, onClick: () => void, kind = ''): HTMLButtonElement {
  const b = button('', onClick, { class: `btn btn-small ${kind}`.trim(), attrs: { 'data-testid': testid } });
  b.append(label, hidden(` ${id}`));
  return b;
}

export class ImageRow {
  readonly el: HTMLLIElement;
  private thumbUrl: string | undefined;
  private progressBar: HTMLProgressElement | undefined;
  private progressText: HTMLElement | undefined;

  constructor(
    readonly id: string,
    private readonly actions: RowActions,
  ) {
    this.el = el('li', { class: 'row', attrs: { 'data-testid': 'image-row', 'data-id': id } });
  }

  show(view: RowView): void {
    this.releaseThumb();
    this.progressBar = undefined;
    this.progressText = undefined;
    this.el.dataset.state = view.state;
    this.el.classList.toggle('is-duplicate', view.state === 'error' && view.duplicate === true);
    this.el.replaceChildren(this.thumb(view), this.body(view), this.buttons(view));
  }

  /** Update the bar and the line under it in place (buttons keep their focus). */
  progress(p: TileProgress, elapsedMs: number): void {
    if (!this.progressBar || !this.progressText) return;
    const total = Math.max(1, p.totalFiles);
    this.progressBar.max = total;
    this.progressBar.value = Math.min(p.files, total);
    const percent = Math.floor((100 * p.files) / total);
    const left = secondsLeft(p, elapsedMs);
    const parts = [`${formatCount(p.files)} of ${formatCount(p.totalFiles)} files`, `${percent}%`, formatBytes(p.bytes)];
    if (left !== undefined) parts.push(`${formatDuration(left)} left`);
    this.progressText.textContent = parts.join(' · ');
    this.progressBar.setAttribute('aria-valuetext', `${percent}%`);
  }

  dispose(): void {
    this.releaseThumb();
    this.el.remove();
  }

  private releaseThumb(): void {
    if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl);
    this.thumbUrl = undefined;
  }

  private thumb(view: RowView): HTMLElement {
    const box = el('div', { class: 'row-thumb', attrs: { 'aria-hidden': 'true' } });
    if (view.state !== 'done') {
      box.append(el('span', { class: 'row-thumb-mark', text: view.state === 'error' ? '!' : '' }));
      return box;
    }
    const path = thumbnailPath(view.image);
    if (!path) return box;
    void readFile(view.image, path).then((blob) => {
      // The row may have moved on (deleted, re-rendered) while the file was read.
      if (!blob || this.el.dataset.state !== 'done' || !box.isConnected) return;
      this.thumbUrl = URL.createObjectURL(blob);
      box.append(el('img', { attrs: { src: this.thumbUrl, alt: '' } }));
    });
    return box;
  }

  private body(view: RowView): HTMLElement {
    const body = el('div', { class: 'row-body' });
    const badge = (text: string): HTMLElement => el('span', { class: `badge badge-${view.state}`, text });
    if (view.state === 'done') {
      const { image } = view;
      const label = image.metadata.label?.trim() || image.id;
      const o = image.options;
      body.append(
        el('div', { class: 'row-title' }, el('span', { class: 'row-label', text: label }), badge('Tiled')),
        el('div', { class: 'row-sub' }, el('code', { text: image.id }), ' · ', image.sourceName),
        el(
          'div',
          { class: 'row-facts', attrs: { 'data-testid': 'image-facts' } },
          fact(`${formatCount(image.width)} × ${formatCount(image.height)} px`),
          fact(`${formatCount(image.files)} files`),
          fact(formatBytes(image.bytes)),
          fact(`IIIF ${o.iiifVersion} · ${o.format} · ${o.tileSize} px tiles`),
        ),
      );
      return body;
    }
    const file = view.file;
    const title = el('div', { class: 'row-title' }, el('span', { class: 'row-label', text: this.id }));
    const sub: Child = file ? el('div', { class: 'row-sub' }, file.name, ' · ', formatBytes(file.size)) : null;
    if (view.state === 'queued') {
      title.append(badge('Waiting'));
      append(body, title, sub);
    } else if (view.state === 'tiling') {
      title.append(badge(view.checking ? 'Checking' : 'Tiling'));
      // Determinate from the start (the text says what is happening): an indeterminate bar
      // animates every frame, which in a page without a GPU cost as much CPU as a tiling thread.
      this.progressBar = el('progress', { class: 'bar', attrs: { 'aria-label': `Tiling ${this.id}`, max: '1', value: '0' } });
      this.progressText = el('div', { class: 'row-progress-text', attrs: { 'aria-live': 'off' }, text: view.checking ? 'Checking the file…' : 'Starting…' });
      append(body, title, sub, this.progressBar, this.progressText);
    } else {
      title.append(badge(view.duplicate ? 'Duplicate' : 'Failed'));
      append(body, title, sub, el('p', { class: 'row-error', attrs: { 'data-testid': 'row-error' }, text: view.message }));
    }
    return body;
  }

  private buttons(view: RowView): HTMLElement {
    const a = this.actions;
    const box = el('div', { class: 'row-actions' });
    const id = this.id;
    switch (view.state) {
      case 'done':
        box.append(
          rowButton('Preview', id, 'preview', a.preview, 'btn-primary'),
          rowButton('Edit manifest', id, 'edit-manifest', a.edit),
          rowButton('Delete', id, 'delete', a.remove, 'btn-danger'),
        );
        break;
      case 'queued':
      case 'tiling':
        box.append(rowButton('Cancel', id, 'cancel', a.cancel));
        break;
      case 'error':
        if (view.duplicate) box.append(rowButton('Replace', id, 'replace', a.replace, 'btn-primary'));
        else if (view.file) box.append(rowButton('Retry', id, 'retry', a.retry, 'btn-primary'));
        box.append(rowButton(view.duplicate ? 'Skip' : 'Remove', id, 'remove', a.remove));
        break;
    }
    return box;
  }
}

function fact(text: string): HTMLElement {
  return el('span', { class: 'fact', text });
}
