// How much of the browser's storage the images use, and whether the browser may evict them.

import { requestPersistence, storageEstimate } from '../storage/store.ts';
import { errorMessage } from './dom.ts';
import { formatBytes } from './format.ts';

export interface StorageElements {
  bar: HTMLProgressElement;
  usage: HTMLElement;
  persistence: HTMLElement;
}

export class StoragePanel {
  private persisted = false;
  private asked = false;

  constructor(private readonly els: StorageElements) {}

  async refresh(): Promise<void> {
    try {
      const { usage, quota, persisted } = await storageEstimate();
      this.persisted = persisted;
      const share = quota > 0 ? usage / quota : 0;
      this.els.bar.max = 1000;
      this.els.bar.value = Math.round(share * 1000);
      this.els.bar.setAttribute('aria-valuetext', `${(share * 100).toFixed(1)}% used`);
      this.els.usage.textContent = quota > 0 ? `${formatBytes(usage)} used of ${formatBytes(quota)} this browser allows this site` : `${formatBytes(usage)} used`;
      this.els.bar.classList.toggle('is-high', share > 0.8);
      this.els.persistence.dataset.persisted = String(persisted);
      this.els.persistence.textContent = persisted
        ? 'Persistent: the browser will not clear these images to free space.'
        : 'Not persistent: the browser may clear these images when space runs low. Export a ZIP to keep a copy.';
    } catch (err) {
      this.els.usage.textContent = `Storage use is not available: ${errorMessage(err)}`;
    }
  }

  /** Ask once per page load, after the first image is stored (browsers grant it more readily then). */
  async askForPersistence(): Promise<void> {
    if (this.asked || this.persisted) return;
    this.asked = true;
    try {
      await requestPersistence();
    } catch {
      // Refused or unsupported: the panel keeps saying "not persistent".
    }
    await this.refresh();
  }
}
