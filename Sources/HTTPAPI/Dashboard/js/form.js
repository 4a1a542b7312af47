// The "New store" form: client-side checks, then POST /stores with an Idempotency-Key.
// Server-side problems (problem+json `errors[].field`, a 409 domain in use) are shown next
// to their field with aria-invalid; anything else goes to the form's own alert. A success is
// said right under the button (a status region), where a phone user's eyes are.

import { ApiError, createStore, newIdempotencyKey } from './api.js';
import { el } from './format.js';
import { validateStore } from './validate.js';

const LABELS = { name: 'Store name', domain: 'Domain', adminEmail: 'Admin e-mail', plan: 'Plan' };

export function setupCreateForm(form, { onCreated, onShowDetails, announce }) {
  const submit = form.querySelector('button[type="submit"]');
  const formError = form.querySelector('#form-error');
  const success = form.querySelector('#form-success');
  // One key per intended store: kept while the values stay the same (a retry after a
  // network error, a double click), renewed when the user edits or after a success.
  let pendingKey = null;
  let busy = false;

  const input = (field) => form.elements.namedItem(field);
  const errorBox = (field) => form.querySelector(`[data-error-for="${field}"]`);

  function showFieldError(field, message) {
    const control = input(field);
    const box = errorBox(field);
    if (!control || !box) return false;
    control.setAttribute('aria-invalid', 'true');
    box.textContent = `${LABELS[field]} ${message}`;
    return true;
  }

  function clearErrors() {
    for (const field of Object.keys(LABELS)) {
      input(field).removeAttribute('aria-invalid');
      errorBox(field).textContent = '';
    }
    formError.textContent = '';
    success.replaceChildren();
  }

  function showSuccess(answer) {
    const details = el('button', { type: 'button', class: 'link-button' }, 'Show its progress',
      el('span', { class: 'visually-hidden' }, ` (${answer.store.name})`));
    details.addEventListener('click', () => onShowDetails(answer, details));
    success.replaceChildren(
      el('span', { class: 'success-symbol', 'aria-hidden': 'true' }, '✓ '),
      `Store “${answer.store.name}” requested; provisioning has started. `, details);
    // On a phone the list is far below: the confirmation must be on screen where the user is.
    success.scrollIntoView({ block: 'nearest' });
  }

  function showErrors(errors) {
    const fields = Object.keys(LABELS).filter((field) => errors[field]);
    for (const field of fields) showFieldError(field, errors[field]);
    if (fields.length) input(fields[0]).focus();
    return fields;
  }

  form.addEventListener('input', (event) => {
    pendingKey = null;
    const field = event.target.name;
    if (field && event.target.getAttribute('aria-invalid') === 'true') {
      event.target.removeAttribute('aria-invalid');
      errorBox(field).textContent = '';
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const values = Object.fromEntries(Object.keys(LABELS).map((field) => [field, input(field).value]));
    const { spec, errors } = validateStore(values);
    if (showErrors(errors).length) {
      announce('The form has errors; see the messages next to the fields.');
      return;
    }
    pendingKey ??= newIdempotencyKey();
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      const answer = await createStore(spec, pendingKey);
      pendingKey = null;
      form.reset();
      onCreated(answer);
      showSuccess(answer);
    } catch (error) {
      handleFailure(error);
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = 'Create store';
    }
  });

  function handleFailure(error) {
    if (!(error instanceof ApiError)) throw error;
    const byField = {};
    const other = [];
    for (const { field, message } of error.fieldErrors) {
      if (field in LABELS && !byField[field]) byField[field] = message;
      else other.push(`${field} ${message}`);
    }
    const shown = showErrors(byField);
    if (shown.length && !other.length) {
      announce(`The server refused the store: ${shown.map((f) => `${LABELS[f]} ${byField[f]}`).join('; ')}.`);
      return;
    }
    const requestId = error.problem.requestId ? ` (request ${error.problem.requestId})` : '';
    formError.textContent = `${error.problem.title ?? 'Error'}: ${other.join('; ') || error.message}${requestId}`;
  }
}
