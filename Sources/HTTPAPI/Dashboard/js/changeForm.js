// The detail view's "Change" form (admins): name, plan (the current one or bigger), WordPress
// and WooCommerce versions, and the plugins as `slug[@version]` lines. It sends only what the
// user changed, as a merge patch (PATCH /stores/{id}) with an Idempotency-Key; field errors,
// the client's or the server's, are shown next to their field; "an update is running" (409)
// is said as such. The form is built once per opened store and kept while live updates
// arrive: a field the user has not touched follows the store, an edited one is left alone.

import { ApiError, newIdempotencyKey, updateStore } from './api.js';
import { CHANGE_FIELDS, changePatch, fieldTexts, plansFrom } from './changeValues.js';
import { el } from './format.js';
import { OUTCOMES, describeChange, operationRunningMessage } from './operationWords.js';

const LABELS = {
  name: 'Name', plan: 'Plan', wordpressVersion: 'WordPress version', woocommerceVersion: 'WooCommerce version',
  plugins: 'Plugins',
};
const PLAN_WORDS = { small: 'Small', medium: 'Medium', large: 'Large' };

export function createChangeForm({ onChanged, announce }) {
  const controls = {
    name: el('input', { id: 'c-name', name: 'name', autocomplete: 'off', maxlength: '200' }),
    plan: el('select', { id: 'c-plan', name: 'plan' }),
    wordpressVersion: el('input', { id: 'c-wordpressVersion', name: 'wordpressVersion', autocomplete: 'off', spellcheck: 'false', inputmode: 'decimal' }),
    woocommerceVersion: el('input', { id: 'c-woocommerceVersion', name: 'woocommerceVersion', autocomplete: 'off', spellcheck: 'false', inputmode: 'decimal' }),
    plugins: el('textarea', { id: 'c-plugins', name: 'plugins', rows: '4', spellcheck: 'false', autocomplete: 'off' }),
  };
  const hints = {
    plan: 'A plan can only grow: its volumes never shrink.',
    wordpressVersion: 'Such as 7.1 or 7.1.0; only forward (the database is migrated). Empty: the chart’s default (7.1.0).',
    woocommerceVersion: 'Such as 11.2.0; only forward. Empty: the chart’s default (11.1.2).',
    plugins: 'One wordpress.org plugin a line: slug or slug@version. The list replaces the current one; empty removes them all.',
  };
  const errorBoxes = {};
  const fields = CHANGE_FIELDS.map((field) => {
    const hint = hints[field] ? el('p', { id: `c-${field}-hint`, class: 'field-hint' }, hints[field]) : null;
    errorBoxes[field] = el('p', { id: `c-${field}-error`, class: 'field-error', 'data-error-for': field });
    controls[field].setAttribute('aria-describedby', [hint?.id, errorBoxes[field].id].filter(Boolean).join(' '));
    return el('div', { class: 'field' }, el('label', { for: controls[field].id }, LABELS[field]), controls[field], hint, errorBoxes[field]);
  });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Apply change');
  const reset = el('button', { type: 'button' }, 'Undo my edits');
  const formError = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'change-error' });
  const success = el('p', { class: 'form-success', role: 'status', 'data-testid': 'change-status' });
  const note = el('p', { class: 'notice notice-info', hidden: true });
  const fieldset = el('fieldset', { class: 'change-fields' }, el('legend', { class: 'visually-hidden' }, 'New values'), fields);
  const form = el('form', { class: 'change-form', novalidate: true, 'aria-labelledby': 'change-heading' },
    fieldset, el('div', { class: 'form-actions form-actions-row' }, submit, reset), formError, success);
  const element = el('section', { class: 'detail-section', 'aria-labelledby': 'change-heading' },
    el('h3', { id: 'change-heading' }, 'Change'), note, form);

  let store = null;
  let config = null; // the config the store runs: what "changed" is measured against
  let pendingKey = null; // one key per intended change: kept for a resend of the same values
  let busy = false;
  let requested = null; // the operation this form started, until its outcome is said

  const values = () => Object.fromEntries(CHANGE_FIELDS.map((field) => [field, controls[field].value]));

  function setPlans(plan, keep) {
    const allowed = plansFrom(plan);
    controls.plan.replaceChildren(...allowed.map((p) => el('option', { value: p }, PLAN_WORDS[p] ?? p)));
    controls.plan.value = allowed.includes(keep) ? keep : plan;
  }

  function clearErrors() {
    for (const field of CHANGE_FIELDS) {
      controls[field].removeAttribute('aria-invalid');
      errorBoxes[field].textContent = '';
    }
    formError.textContent = '';
    success.textContent = '';
  }

  function showErrors(errors) {
    const shown = CHANGE_FIELDS.filter((field) => errors[field]);
    for (const field of shown) {
      controls[field].setAttribute('aria-invalid', 'true');
      errorBoxes[field].textContent = `${LABELS[field]} ${errors[field]}`;
    }
    if (shown.length) controls[shown[0]].focus();
    return shown;
  }

  /** The server's `errors[]` by field; `plugins[2].slug` goes to the plugins editor's line. */
  function serverErrors(error, lines) {
    const byField = {};
    const other = [];
    for (const { field, message } of error.fieldErrors) {
      const plugin = /^plugins\[(\d+)\](?:\.(\w+))?$/.exec(field);
      const target = plugin ? 'plugins' : field;
      const text = plugin ? `line ${lines[Number(plugin[1])] ?? Number(plugin[1]) + 1}: ${plugin[2] ?? 'item'} ${message}` : message;
      if (CHANGE_FIELDS.includes(target)) byField[target] = byField[target] ? `${byField[target]}; ${text}` : text;
      else other.push(`${field} ${message}`);
    }
    return { byField, other };
  }

  form.addEventListener('input', (event) => {
    pendingKey = null;
    success.textContent = '';
    const field = event.target.name;
    if (field && event.target.getAttribute('aria-invalid') === 'true') {
      event.target.removeAttribute('aria-invalid');
      errorBoxes[field].textContent = '';
    }
  });

  reset.addEventListener('click', () => {
    clearErrors();
    pendingKey = null;
    const texts = fieldTexts(config);
    for (const field of CHANGE_FIELDS) controls[field].value = texts[field];
    controls.name.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy || !store) return;
    clearErrors();
    const { patch, errors, lines } = changePatch(values(), config);
    if (showErrors(errors).length) {
      announce('The change has errors; see the messages next to the fields.');
      return;
    }
    if (!Object.keys(patch).length) {
      success.textContent = 'Nothing to change: these are the values the store runs with.';
      return;
    }
    const id = store.id;
    pendingKey ??= newIdempotencyKey();
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Sending…';
    try {
      const answer = await updateStore(id, patch, pendingKey);
      pendingKey = null;
      requested = answer.operation?.id ?? null;
      onChanged(answer);
      success.textContent = answer.operation
        ? `✓ Change requested (operation ${answer.operation.id}): ${describeChange(patch)}. Its steps are shown above.`
        : 'Nothing to change: the store already has these values.';
      announce(success.textContent);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Refused: nothing was done, so a resend is a new request. Kept only when the answer
      // may have been lost (network, 5xx), where the key makes a resend safe.
      if (error.status >= 400 && error.status < 500) pendingKey = null;
      if (error.operationRunning) {
        formError.textContent = operationRunningMessage(error);
        return;
      }
      const { byField, other } = serverErrors(error, lines);
      const shown = showErrors(byField);
      if (shown.length && !other.length) {
        announce(`The server refused the change: ${shown.map((f) => `${LABELS[f]} ${byField[f]}`).join('; ')}.`);
        return;
      }
      const requestId = error.problem.requestId ? ` (request ${error.problem.requestId})` : '';
      formError.textContent = `${error.problem.title ?? 'Error'}: ${other.join('; ') || error.message}${requestId}`;
    } finally {
      busy = false;
      submit.disabled = store?.status === 'suspended';
      submit.textContent = 'Apply change';
    }
  });

  /** Once the operation this form started has ended, says how, here where the user asked. */
  function reportOutcome(next) {
    if (!requested || next.operation?.id === requested) return;
    const record = (next.operations ?? []).find((r) => r.id === requested);
    if (!record) return;
    requested = null;
    const word = (OUTCOMES[record.outcome]?.label ?? record.outcome).toLowerCase();
    if (record.outcome === 'succeeded') {
      success.textContent = `✓ The change is applied (operation ${record.id} ${word}).`;
    } else {
      success.textContent = '';
      formError.textContent = `The change was not applied: operation ${record.id} ${word}`
        + `${record.reason ? ` (${record.reason})` : ''}. See the operation history.`;
    }
  }

  return {
    element,
    /** A newer view of the store: untouched fields follow its config; the state note changes. */
    update(next) {
      const nextConfig = next.applied ?? next.desired;
      const old = config ? fieldTexts(config) : null;
      const fresh = fieldTexts(nextConfig);
      if (!config || config.plan !== nextConfig.plan) setPlans(nextConfig.plan, controls.plan.value || nextConfig.plan);
      for (const field of CHANGE_FIELDS) {
        if (!old || controls[field].value === old[field]) controls[field].value = fresh[field];
      }
      store = next;
      config = nextConfig;
      reportOutcome(next);
      const suspended = next.status === 'suspended';
      fieldset.disabled = suspended;
      submit.disabled = suspended || busy;
      reset.disabled = suspended;
      note.hidden = !(suspended || next.operation);
      note.textContent = suspended
        ? 'The store is suspended: resume it to change it.'
        : 'An operation is under way. A store runs one at a time: a change sent now is refused until it ends.';
    },
  };
}
