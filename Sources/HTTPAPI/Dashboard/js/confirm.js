// Asks before a delete, in the page's <dialog> (not window.confirm): resolves to true when
// the user chose "Delete store", false on Cancel or Escape.

export function setupConfirm(dialog) {
  const text = dialog.querySelector('#confirm-text');
  const title = dialog.querySelector('#confirm-title');
  return function confirmDelete(store) {
    return new Promise((resolve) => {
      title.textContent = `Delete ${store.name}?`;
      text.textContent = `${store.domain} and everything in its namespace will be removed. This cannot be undone.`;
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'delete'), { once: true });
      dialog.showModal();
    });
  };
}
