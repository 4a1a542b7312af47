// The detail view's domains: the store's own domain and its extra host names, each extra one
// with a Remove button (admins), and a field to add one (POST /stores/{id}/domains, DELETE
// /stores/{id}/domains/{domain}). A domain being added or removed by the running operation is
// marked as such. Problems go next to the field (an invalid host, one in use by another store)
// or to the section's alert (an operation running, a domain already gone).

import { ApiError, addDomain, newIdempotencyKey, removeDomain } from './api.js';
import { el } from './format.js';
import { operationRunningMessage } from './operationWords.js';
import { hostNameProblem } from './validate.js';

export function createDomainList({ canChange, onChanged, announce }) {
  const list = el('ul', { class: 'domains', 'aria-label': 'Domains' });
  const input = el('input', {
    id: 'c-domain', name: 'domain', autocomplete: 'off', spellcheck: 'false', placeholder: 'www.example.com',
    'aria-describedby': 'c-domain-hint c-domain-error',
  });
  const fieldError = el('p', { id: 'c-domain-error', class: 'field-error' });
  const addButton = el('button', { type: 'submit' }, 'Add domain');
  const alert = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'domain-error' });
  const status = el('p', { class: 'form-success', role: 'status', 'data-testid': 'domain-status' });
  const form = el('form', { class: 'domain-add', novalidate: true },
    el('div', { class: 'field' },
      el('label', { for: 'c-domain' }, 'Extra domain'),
      el('div', { class: 'inline-field' }, input, addButton),
      el('p', { id: 'c-domain-hint', class: 'field-hint' }, 'Another host name that serves this shop, such as www.example.com'),
      fieldError));
  const admin = canChange();
  const element = el('section', { class: 'detail-section', 'aria-labelledby': 'domains-heading' },
    el('h3', { id: 'domains-heading' }, 'Domains'), list, admin ? form : null, alert, status);

  let store = null;
  let busy = false;

  function clearMessages() {
    input.removeAttribute('aria-invalid');
    fieldError.textContent = '';
    alert.textContent = '';
    status.textContent = '';
  }

  function showFieldError(message) {
    input.setAttribute('aria-invalid', 'true');
    fieldError.textContent = `Domain ${message}`;
    input.focus();
  }

  function refused(error, domain) {
    if (!(error instanceof ApiError)) throw error;
    if (error.operationRunning) {
      alert.textContent = operationRunningMessage(error);
      return;
    }
    const problem = error.fieldErrors.find((e) => e.field === 'domain');
    if (problem && domain === null) {
      showFieldError(problem.message);
      return;
    }
    alert.textContent = `${error.problem.title ?? 'Error'}: ${error.message}`;
  }

  /** Runs an add (`domain` null: from the field) or a remove, and reports how it went. */
  async function run(action, domain, button) {
    if (busy || !store) return;
    busy = true;
    button.disabled = true;
    clearMessages();
    const host = domain ?? input.value.trim().toLowerCase();
    try {
      const answer = action === 'add'
        ? await addDomain(store.id, host, newIdempotencyKey())
        : await removeDomain(store.id, host, newIdempotencyKey());
      onChanged(answer);
      if (action === 'add') input.value = '';
      status.textContent = answer.operation
        ? `${action === 'add' ? 'Adding' : 'Removing'} ${host} (operation ${answer.operation.id}).`
        : `Nothing to change for ${host}.`;
      announce(status.textContent);
    } catch (error) {
      refused(error, domain);
    } finally {
      busy = false;
      button.disabled = store?.status === 'suspended';
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy || !store) return;
    clearMessages();
    const host = input.value.trim().toLowerCase();
    const problem = hostNameProblem(host);
    if (problem) return showFieldError(problem);
    if (host === store.domain || (store.extraDomains ?? []).includes(host)) {
      return showFieldError(`${host} is already a domain of this store`);
    }
    run('add', null, addButton);
  });
  input.addEventListener('input', () => {
    input.removeAttribute('aria-invalid');
    fieldError.textContent = '';
  });
  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-domain]');
    if (button) run('remove', button.dataset.domain, button);
  });

  /** The extra domains with what the running operation does to them. */
  function rows(view) {
    const applied = view.applied?.extraDomains ?? view.extraDomains ?? [];
    const desired = view.extraDomains ?? [];
    const all = [...applied, ...desired.filter((d) => !applied.includes(d))];
    return all.map((domain) => ({
      domain,
      state: !desired.includes(domain) ? 'removing' : !applied.includes(domain) ? 'adding' : 'active',
    }));
  }

  function item({ domain, state }) {
    const word = { adding: 'being added…', removing: 'being removed…' }[state];
    const remove = admin && state === 'active'
      ? el('button', { type: 'button', class: 'link-button danger-link', 'data-domain': domain },
        'Remove', el('span', { class: 'visually-hidden' }, ` ${domain}`))
      : null;
    return el('li', { 'data-domain-item': domain, 'data-state': state },
      el('span', { class: 'domain' }, domain), word ? el('span', { class: 'muted' }, ` ${word}`) : null, remove ? ' ' : null, remove);
  }

  return {
    element,
    update(next) {
      store = next;
      const focused = list.contains(document.activeElement) ? document.activeElement.dataset.domain : null;
      list.replaceChildren(
        el('li', { 'data-state': 'main' }, el('span', { class: 'domain' }, next.domain), el('span', { class: 'muted' }, ' (the store’s domain)')),
        ...rows(next).map(item));
      if (focused) (list.querySelector(`button[data-domain="${CSS.escape(focused)}"]`) ?? input).focus();
      const suspended = next.status === 'suspended';
      input.disabled = suspended;
      addButton.disabled = suspended || busy;
      for (const button of list.querySelectorAll('button[data-domain]')) button.disabled = suspended;
    },
  };
}
