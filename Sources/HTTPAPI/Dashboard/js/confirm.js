// Asks before a change that is hard to take back (a delete, a suspension, a restore), in the
// page's <dialog> (not window.confirm): resolves to false on Cancel or Escape, and to true when
// the user chose the confirming button. With `option` ({label, hint, checked}) the dialog also
// shows a checkbox (e.g. "Take a final backup first") and a confirmation resolves to
// `{ option: <checked> }` instead (still truthy).

export function setupConfirm(dialog) {
  const text = dialog.querySelector('#confirm-text');
  const title = dialog.querySelector('#confirm-title');
  const button = dialog.querySelector('button[value="confirm"]');
  const optionRow = dialog.querySelector('#confirm-option-row');
  const optionBox = dialog.querySelector('#confirm-option');
  const optionLabel = dialog.querySelector('#confirm-option-label');
  const optionHint = dialog.querySelector('#confirm-option-hint');
  return function confirm({ heading, body, confirmLabel, option = null }) {
    return new Promise((resolve) => {
      title.textContent = heading;
      text.textContent = body;
      button.textContent = confirmLabel;
      optionRow.hidden = !option;
      optionBox.checked = option?.checked ?? false;
      optionLabel.textContent = option?.label ?? '';
      optionHint.textContent = option?.hint ?? '';
      if (option?.hint) optionBox.setAttribute('aria-describedby', 'confirm-option-hint');
      else optionBox.removeAttribute('aria-describedby');
      dialog.returnValue = '';
      dialog.addEventListener('close', () => {
        const confirmed = dialog.returnValue === 'confirm';
        resolve(confirmed && option ? { option: optionBox.checked } : confirmed);
      }, { once: true });
      dialog.showModal();
    });
  };
}
