// A modal yes/no question (a <dialog>, so focus is trapped and Escape cancels).

import { button, el } from './dom.ts';

export function confirmDialog(question: string, detail: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const title = el('h2', { class: 'dialog-title', text: question, attrs: { id: 'confirm-title' } });
    const cancel = button('Cancel', () => dialog.close('cancel'), { class: 'btn', attrs: { 'data-testid': 'confirm-cancel' } });
    const ok = button(action, () => dialog.close('ok'), { class: 'btn btn-danger-solid', attrs: { 'data-testid': 'confirm-ok' } });
    const dialog = el(
      'dialog',
      { class: 'dialog dialog-small', attrs: { 'aria-labelledby': 'confirm-title', 'data-testid': 'confirm-dialog' } },
      title,
      el('p', { class: 'dialog-text', text: detail }),
      el('div', { class: 'dialog-buttons' }, cancel, ok),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}
