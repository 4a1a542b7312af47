// Words for day-two operations (a plan change, a suspension, a domain...): their kinds, steps,
// outcomes and changes, as the dashboard shows them, and the sentence for "another operation
// runs". Like format.js: every state has a word and a symbol, never colour alone.

/** The steps of each kind of operation, in order (as the server runs them). */
export const OPERATION_STEPS = {
  update: ['apply', 'workloads', 'setup'],
  resume: ['apply', 'workloads', 'setup'],
  suspend: ['apply', 'workloads'],
  'add-domain': ['apply', 'certificate'],
  'remove-domain': ['apply'],
};

/** The steps that undo a failed operation. */
export const ROLLBACK_STEPS = ['rollback', 'recover'];

export const OPERATION_STEP_NAMES = {
  apply: 'Apply (helm upgrade)',
  workloads: 'Workloads',
  setup: 'Setup job',
  certificate: 'Certificate',
  rollback: 'Roll back',
  recover: 'Recover',
};

export const OPERATION_KINDS = {
  update: 'Update',
  suspend: 'Suspend',
  resume: 'Resume',
  'add-domain': 'Add domain',
  'remove-domain': 'Remove domain',
};

export const OUTCOMES = {
  succeeded: { label: 'Succeeded', symbol: '✓' },
  'rolled-back': { label: 'Rolled back', symbol: '↺' },
  'rollback-failed': { label: 'Rollback failed', symbol: '✗' },
  cancelled: { label: 'Cancelled', symbol: '–' },
};

export const kindLabel = (kind) => OPERATION_KINDS[kind] ?? kind;
export const operationStepName = (step) => OPERATION_STEP_NAMES[step] ?? step;

/** `slug` or `slug@version`, as the plugins editor writes them. */
export function pluginText(plugin) {
  if (typeof plugin === 'string') return plugin;
  return plugin.version ? `${plugin.slug}@${plugin.version}` : plugin.slug;
}

/** What a change does, in a few words: "plan → medium · WordPress → 6.5.0". */
export function describeChange(change = {}, kind) {
  const parts = [];
  if (change.name != null) parts.push(`name → “${change.name}”`);
  if (change.plan != null) parts.push(`plan → ${change.plan}`);
  if (change.wordpressVersion != null) parts.push(`WordPress → ${change.wordpressVersion}`);
  if (change.woocommerceVersion != null) parts.push(`WooCommerce → ${change.woocommerceVersion}`);
  if (change.plugins != null) {
    parts.push(change.plugins.length ? `plugins → ${change.plugins.map(pluginText).join(', ')}` : 'plugins → none');
  }
  if (change.addDomain) parts.push(`+ ${change.addDomain}`);
  if (change.removeDomain) parts.push(`− ${change.removeDomain}`);
  if (!parts.length && kind === 'suspend') parts.push('maintenance page, workloads at zero');
  if (!parts.length && kind === 'resume') parts.push('workloads back');
  return parts.join(' · ');
}

/** The sentence for a 409 `operation-running` answer: which operation, and what to do. */
export function operationRunningMessage(error) {
  const { operation, operationKind } = error.problem ?? {};
  const kind = operationKind ? ` (${kindLabel(operationKind).toLowerCase()})` : '';
  return `An update is running: operation ${operation ?? 'unknown'}${kind}. `
    + 'A store runs one operation at a time: wait until it ends, then try again.';
}
