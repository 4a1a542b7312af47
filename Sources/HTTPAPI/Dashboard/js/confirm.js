// Asks before a change that is hard to take back (a delete, a suspension), in the page's
// <dialog> (not window.confirm): resolves to true when the user chose the confirming button,
// false on Cancel or Escape.

export function setupConfirm(dialog) {
  const text = dialog.querySelector('#confirm-text');
  const title = dialog.querySelector('#confirm-title');
  const button = dialog.querySelector('button[value="confirm"]');
  return function confirm({ heading, body, confirmLabel }) {
    return new Promise((resolve) => {
      title.textContent = heading;
      text.textContent = body;
      button.textContent = confirmLabel;
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
      dialog.showModal();
    });
  };
}
