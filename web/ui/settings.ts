// The settings form: the agent's tiling flags under the same names, defaults and meanings.
// Values are validated with resolveTileOptions (the same check as the CLI) and saved in IndexedDB.

import { DEFAULT_OPTIONS, OptionError, type TileOptions, resolveTileOptions } from '../../shared/options.ts';
import { loadSettings, saveSettings } from '../storage/store.ts';
import { errorMessage } from './dom.ts';

/** Form field name for each option name that OptionError reports (the agent's flag names). */
const FIELD_OF_OPTION: Record<string, keyof TileOptions> = {
  'base-url': 'baseUrl',
  iiif: 'iiifVersion',
  'tile-size': 'tileSize',
  format: 'format',
  quality: 'quality',
  'max-size': 'maxSize',
};

const FIELDS = ['baseUrl', 'iiifVersion', 'tileSize', 'format', 'quality', 'maxSize'] as const;

export interface SettingsElements {
  form: HTMLFormElement;
  error: HTMLElement;
  status: HTMLElement;
  reset: HTMLButtonElement;
}

export class SettingsPanel {
  /** The saved, valid options: what the next image is tiled with. */
  current: TileOptions = { ...DEFAULT_OPTIONS };
  private readonly listeners: Array<(o: TileOptions) => void> = [];

  constructor(private readonly els: SettingsElements) {
    els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    els.form.addEventListener('input', () => {
      const ok = this.validate() !== undefined;
      this.say(ok ? (this.dirty() ? 'Unsaved changes.' : '') : '');
    });
    els.reset.addEventListener('click', () => {
      this.fill(DEFAULT_OPTIONS);
      this.validate();
      this.say(this.dirty() ? 'Defaults restored in the form; save to use them.' : 'These are the defaults.');
    });
  }

  async load(): Promise<void> {
    try {
      this.current = resolveTileOptions(await loadSettings());
    } catch (err) {
      this.current = { ...DEFAULT_OPTIONS };
      this.say(`Saved settings could not be read (${errorMessage(err)}); using the defaults.`);
    }
    this.fill(this.current);
    for (const l of this.listeners) l(this.current);
  }

  onChange(listener: (o: TileOptions) => void): void {
    this.listeners.push(listener);
  }

  private field(name: keyof TileOptions): HTMLInputElement | HTMLSelectElement {
    const f = this.els.form.elements.namedItem(name);
    if (!(f instanceof HTMLInputElement || f instanceof HTMLSelectElement)) throw new Error(`settings form has no field ${name}`);
    return f;
  }

  private fill(o: TileOptions): void {
    for (const name of FIELDS) this.field(name).value = String(o[name]);
  }

  private read(): Partial<Record<keyof TileOptions, unknown>> {
    const input: Partial<Record<keyof TileOptions, unknown>> = { maxPixels: this.current.maxPixels };
    for (const name of FIELDS) input[name] = this.field(name).value.trim();
    return input;
  }

  private dirty(): boolean {
    return FIELDS.some((name) => this.field(name).value.trim() !== String(this.current[name]));
  }

  /** The form's options, or undefined with the problem shown next to the form and its field marked. */
  private validate(): TileOptions | undefined {
    for (const name of FIELDS) this.field(name).removeAttribute('aria-invalid');
    try {
      const options = resolveTileOptions(this.read());
      this.els.error.textContent = '';
      this.els.error.hidden = true;
      return options;
    } catch (err) {
      this.els.error.textContent = errorMessage(err);
      this.els.error.hidden = false;
      const name = err instanceof OptionError ? FIELD_OF_OPTION[err.option] : undefined;
      if (name) this.field(name).setAttribute('aria-invalid', 'true');
      return undefined;
    }
  }

  private async save(): Promise<void> {
    const options = this.validate();
    if (!options) {
      this.say('Not saved.');
      return;
    }
    try {
      await saveSettings(options);
    } catch (err) {
      this.say(`Not saved: ${errorMessage(err)}`);
      return;
    }
    this.current = options;
    this.fill(options); // show the normalised values (e.g. base URL without a trailing slash)
    this.say('Saved. Images tiled from now on use these settings; images already tiled keep theirs.');
    for (const l of this.listeners) l(options);
  }

  private say(text: string): void {
    this.els.status.textContent = text;
  }
}
