// Preview of a stored image in OpenSeadragon, read from this browser's storage (nothing is uploaded).

import { openPreview } from '../preview/viewer.ts';
import type { StoredImage } from '../storage/types.ts';
import { button, el, errorMessage } from './dom.ts';

export function showPreview(image: StoredImage): void {
  const title = image.metadata.label?.trim() || image.id;
  const viewer = el('div', { class: 'viewer', attrs: { 'data-testid': 'viewer', role: 'region', 'aria-label': `Zoomable view of ${title}` } });
  const status = el('p', { class: 'dialog-sub', attrs: { 'aria-live': 'polite' } });
  const close = button('Close', () => dialog.close(), { class: 'btn', attrs: { 'data-testid': 'preview-close' } });
  const dialog = el(
    'dialog',
    { class: 'dialog dialog-wide', attrs: { 'aria-labelledby': 'preview-title', 'data-testid': 'preview-dialog' } },
    el(
      'div',
      { class: 'dialog-head' },
      el('div', {}, el('h2', { class: 'dialog-title', text: title, attrs: { id: 'preview-title' } }), el('p', { class: 'dialog-sub' }, el('code', { text: image.id }), ` · ${image.width.toLocaleString('en')} × ${image.height.toLocaleString('en')} px · served from this browser`)),
      close,
    ),
    viewer,
    status,
  );

  let handle: { close(): void } | undefined;
  let closed = false;
  dialog.addEventListener('close', () => {
    closed = true;
    handle?.close();
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();

  openPreview(viewer, image)
    .then((h) => {
      if (closed) h.close();
      else handle = h;
    })
    .catch((err) => {
      status.textContent = `The preview could not open: ${errorMessage(err)}`;
      status.classList.add('is-error');
    });
}
