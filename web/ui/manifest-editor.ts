// The manifest editor: label, summary, rights, attribution and metadata pairs of one image.
// Saving stores the metadata and rebuilds the image's manifest (updateMetadata); tiles are untouched.

import { type ImageMetadata, normaliseRights } from '../../shared/iiif/manifest.ts';
import { getManifest, updateMetadata } from '../storage/store.ts';
import type { StoredImage } from '../storage/types.ts';
import { button, el, errorMessage } from './dom.ts';

let dialogs = 0;

function textField(id: string, label: string, value: string, opts: { multiline?: boolean; hint?: string; placeholder?: string } = {}) {
  const input = opts.multiline
    ? el('textarea', { attrs: { id, rows: 3, placeholder: opts.placeholder } })
    : el('input', { attrs: { id, type: 'text', placeholder: opts.placeholder, autocomplete: 'off' } });
  input.value = value;
  const hint = opts.hint !== undefined ? el('p', { class: 'field-hint', text: opts.hint, attrs: { id: `${id}-hint` } }) : null;
  if (hint) input.setAttribute('aria-describedby', hint.id);
  const wrap = el('div', { class: 'field' }, el('label', { text: label, attrs: { for: id } }), input, hint);
  return { wrap, input, hint };
}

function rightsHint(value: string): string {
  const v = value.trim();
  if (v === '') return 'A Creative Commons or RightsStatements.org URI, e.g. http://creativecommons.org/publicdomain/mark/1.0/';
  return normaliseRights(v)
    ? 'Recognised licence URI: it becomes the manifest’s rights.'
    : 'Not a Creative Commons or RightsStatements.org URI: it is kept as a “Rights” metadata pair instead.';
}

export function editManifest(image: StoredImage): Promise<StoredImage | undefined> {
  const n = ++dialogs;
  const md = image.metadata;
  const label = textField(`md-label-${n}`, 'Label', md.label ?? '', { placeholder: image.id, hint: `Shown in viewers. Empty: the id “${image.id}”.` });
  const summary = textField(`md-summary-${n}`, 'Summary', md.summary ?? '', { multiline: true });
  const rights = textField(`md-rights-${n}`, 'Rights', md.rights ?? '', { hint: rightsHint(md.rights ?? '') });
  rights.input.addEventListener('input', () => {
    if (rights.hint) rights.hint.textContent = rightsHint(rights.input.value);
  });
  const attribution = textField(`md-attribution-${n}`, 'Attribution', md.attribution ?? '', { hint: 'Shown as the required statement, e.g. “Courtesy of …”.' });

  const pairs = el('div', { class: 'pairs', attrs: { 'data-testid': 'metadata-pairs' } });
  let pairCount = 0;
  const addPair = (name = '', value = ''): HTMLInputElement => {
    const k = ++pairCount;
    const nameInput = el('input', { attrs: { type: 'text', 'aria-label': `Field ${k} name`, placeholder: 'Name, e.g. Date', 'data-testid': 'pair-name', autocomplete: 'off' } });
    const valueInput = el('input', { attrs: { type: 'text', 'aria-label': `Field ${k} value`, placeholder: 'Value', 'data-testid': 'pair-value', autocomplete: 'off' } });
    nameInput.value = name;
    valueInput.value = value;
    const row = el('div', { class: 'pair' }, nameInput, valueInput);
    row.append(
      button('Remove', () => {
        row.remove();
        addButton.focus();
      }, { class: 'btn btn-small', attrs: { 'aria-label': `Remove field ${k}`, 'data-testid': 'pair-remove' } }),
    );
    pairs.append(row);
    return nameInput;
  };
  for (const [k, v] of md.metadata ?? []) addPair(k, v);
  const addButton = button('Add field', () => addPair().focus(), { class: 'btn btn-small', attrs: { 'data-testid': 'pair-add' } });

  const json = el('pre', { class: 'json', attrs: { tabindex: 0, 'aria-label': 'Current manifest JSON' } });
  const showManifest = async (): Promise<void> => {
    const manifest = await getManifest(image.id).catch(() => undefined);
    json.textContent = manifest ? JSON.stringify(manifest, null, 2) : 'No manifest stored.';
  };
  void showManifest();

  const error = el('p', { class: 'form-error', attrs: { role: 'alert', 'data-testid': 'editor-error' } });
  error.hidden = true;
  const titleId = `md-title-${n}`;
  const cancel = button('Cancel', () => dialog.close(), { class: 'btn' });
  const save = el('button', { class: 'btn btn-primary', text: 'Save', attrs: { type: 'submit', 'data-testid': 'editor-save' } });

  const form = el(
    'form',
    { class: 'editor', attrs: { method: 'dialog', novalidate: true } },
    label.wrap,
    summary.wrap,
    rights.wrap,
    attribution.wrap,
    el('fieldset', { class: 'pairs-fieldset' }, el('legend', { text: 'Metadata' }), el('p', { class: 'field-hint', text: 'Name and value pairs, in the order shown, e.g. Date, Creator, Inventory number.' }), pairs, addButton),
    el('details', { class: 'json-details' }, el('summary', { text: 'Current manifest JSON' }), json),
    error,
    el('div', { class: 'dialog-buttons' }, cancel, save),
  );
  const dialog = el(
    'dialog',
    { class: 'dialog', attrs: { 'aria-labelledby': titleId, 'data-testid': 'manifest-editor' } },
    el('h2', { class: 'dialog-title', text: `Manifest of “${md.label?.trim() || image.id}”`, attrs: { id: titleId } }),
    el('p', { class: 'dialog-sub' }, el('code', { text: image.id }), ` · ${image.sourceName}`),
    form,
  );

  const collect = (): ImageMetadata => {
    const metadata: Array<[string, string]> = [];
    for (const row of Array.from(pairs.querySelectorAll('.pair'))) {
      const [nameInput, valueInput] = Array.from(row.querySelectorAll('input'));
      const name = nameInput?.value.trim() ?? '';
      const value = valueInput?.value.trim() ?? '';
      if (name === '' && value === '') continue;
      if (name === '') {
        nameInput?.focus();
        throw new Error(`The field with the value “${value}” needs a name.`);
      }
      metadata.push([name, value]);
    }
    const opt = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
    return {
      label: opt(label.input.value),
      summary: opt(summary.input.value),
      rights: opt(rights.input.value),
      attribution: opt(attribution.input.value),
      metadata,
    };
  };

  return new Promise((resolve) => {
    let saved: StoredImage | undefined;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      error.hidden = true;
      let metadata: ImageMetadata;
      try {
        metadata = collect();
      } catch (err) {
        error.textContent = errorMessage(err);
        error.hidden = false;
        return;
      }
      save.disabled = true;
      updateMetadata(image.id, metadata)
        .then((image) => {
          saved = image;
          dialog.close();
        })
        .catch((err) => {
          error.textContent = `Not saved: ${errorMessage(err)}`;
          error.hidden = false;
        })
        .finally(() => {
          save.disabled = false;
        });
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(saved);
    });
    document.body.append(dialog);
    dialog.showModal();
    label.input.focus();
  });
}
