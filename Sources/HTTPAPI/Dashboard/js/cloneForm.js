// The small "Clone" form under one backup (admins): a new store made from the backup (POST
// /stores with `from: {store, backup, scrub}`): name, domain, admin e-mail, plan, and whether to
// scrub customer data (on by default). Checked like the New store form before sending; the
// server's field errors land next to their field, the rest (the backup gone, say) under the
// form. One form is open at a time, so its ids are fixed.

import { ApiError, createStore, newIdempotencyKey } from './api.js';
import { el } from './format.js';
import { PLANS, validateStore } from './validate.js';

const LABELS = { name: 'Store name', domain: 'Domain', adminEmail: 'Admin e-mail', plan: 'Plan' };
const PLAN_WORDS = { small: 'Small', medium: 'Medium', large: 'Large' };

/**
 * `store` and `backup` are what is cloned; `onCreated(answer)` gets the new store's answer,
 * `onClose()` runs on Cancel (and after a success, once the user saw it).
 */
export function createCloneForm({ store, backup, onCreated, onClose, announce }) {
  const controls = {
    name: el('input', { id: 'k-name', name: 'name', autocomplete: 'off', maxlength: '200' }),
    domain: el('input', { id: 'k-domain', name: 'domain', autocomplete: 'off', spellcheck: 'false', placeholder: 'copy.example.com' }),
    adminEmail: el('input', { id: 'k-adminEmail', name: 'adminEmail', type: 'email', autocomplete: 'email', spellcheck: 'false' }),
    plan: el('select', { id: 'k-plan', name: 'plan' }, PLANS.map((p) => el('option', { value: p }, PLAN_WORDS[p] ?? p))),
  };
  controls.name.value = `${store.name} (copy)`.slice(0, 60);
  controls.adminEmail.value = store.adminEmail ?? '';
  controls.plan.value = PLANS.includes(store.plan) ? store.plan : 'small';
  const errorBoxes = {};
  const fields = Object.keys(LABELS).map((field) => {
    errorBoxes[field] = el('p', { id: `k-${field}-error`, class: 'field-error', 'data-error-for': field });
    controls[field].setAttribute('aria-describedby', errorBoxes[field].id);
    return el('div', { class: 'field' }, el('label', { for: controls[field].id }, LABELS[field]), controls[field], errorBoxes[field]);
  });
  const scrub = el('input', { id: 'k-scrub', name: 'scrub', type: 'checkbox', checked: true, 'aria-describedby': 'k-scrub-hint' });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Create clone');
  const cancel = el('button', { type: 'button' }, 'Cancel');
  const formError = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'clone-error' });
  const success = el('p', { class: 'form-success', role: 'status', 'data-testid': 'clone-status' });
  const form = el('form', { class: 'clone-form', novalidate: true, 'aria-labelledby': 'clone-heading' },
    el('h4', { id: 'clone-heading' }, `Clone backup ${backup.id} into a new store`),
    fields,
    el('div', { class: 'field field-check' },
      el('label', { for: 'k-scrub' }, scrub, ' Scrub customer data'),
      el('p', { id: 'k-scrub-hint', class: 'field-hint' },
        'Names, e-mails and addresses of customers and orders are removed from the copy before it goes live.')),
    el('div', { class: 'form-actions form-actions-row' }, submit, cancel),
    formError, success);

  let pendingKey = null;
  let busy = false;

  function clearErrors() {
    for (const field of Object.keys(LABELS)) {
      controls[field].removeAttribute('aria-invalid');
      errorBoxes[field].textContent = '';
    }
    formError.textContent = '';
    success.textContent = '';
  }

  function showErrors(errors) {
    const shown = Object.keys(LABELS).filter((field) => errors[field]);
    for (const field of shown) {
      controls[field].setAttribute('aria-invalid', 'true');
      errorBoxes[field].textContent = `${LABELS[field]} ${errors[field]}`;
    }
    if (shown.length) controls[shown[0]].focus();
    return shown;
  }

  form.addEventListener('input', (event) => {
    pendingKey = null;
    const field = event.target.name;
    if (errorBoxes[field] && event.target.getAttribute('aria-invalid') === 'true') {
      event.target.removeAttribute('aria-invalid');
      errorBoxes[field].textContent = '';
    }
  });
  cancel.addEventListener('click', () => onClose());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const values = Object.fromEntries(Object.keys(LABELS).map((field) => [field, controls[field].value]));
    const { spec, errors } = validateStore(values);
    if (showErrors(errors).length) {
      announce('The clone form has errors; see the messages next to the fields.');
      return;
    }
    pendingKey ??= newIdempotencyKey();
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      const answer = await createStore({ ...spec, from: { store: store.id, backup: backup.id, scrub: scrub.checked } }, pendingKey);
      pendingKey = null;
      onCreated(answer);
      success.textContent = `✓ Clone “${answer.store.name}” requested from backup ${backup.id}`
        + `${scrub.checked ? ', customer data scrubbed' : ''}; provisioning has started. It is in the store list.`;
      announce(success.textContent);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status >= 400 && error.status < 500) pendingKey = null;
      const byField = {};
      const other = [];
      for (const { field, message } of error.fieldErrors) {
        if (field in LABELS && !byField[field]) byField[field] = message;
        else other.push(`${field} ${message}`);
      }
      if (showErrors(byField).length && !other.length) return;
      const requestId = error.problem.requestId ? ` (request ${error.problem.requestId})` : '';
      formError.textContent = `${error.problem.title ?? 'Error'}: ${other.join('; ') || error.message}${requestId}`;
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = 'Create clone';
    }
  });

  return { element: form, focus: () => controls.name.focus() };
}
