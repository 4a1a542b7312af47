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
  backup: ['snapshot'],
  restore: ['snapshot', 'quiesce', 'restore', 'apply', 'workloads', 'setup'],
  'delete-backup': ['discard'],
  reconcile: ['apply', 'workloads'],
};

/** The steps that undo a failed config change. */
export const ROLLBACK_STEPS = ['rollback', 'recover'];

/** The kinds that change the store's config (a failure is undone by `helm rollback`). The
 * backup kinds leave it alone; their compensation depends on how far they got (the server
 * says which steps it runs). */
export const CONFIG_KINDS = new Set(['update', 'suspend', 'resume', 'add-domain', 'remove-domain', 'reconcile']);

/** Whether `step` belongs to the undoing of an operation of `kind` (not to its own steps). */
export function isCompensationStep(kind, step) {
  const own = OPERATION_STEPS[kind];
  return own ? !own.includes(step) : ROLLBACK_STEPS.includes(step);
}

export const OPERATION_STEP_NAMES = {
  apply: 'Apply (helm upgrade)',
  workloads: 'Workloads',
  setup: 'Setup job',
  certificate: 'Certificate',
  rollback: 'Roll back',
  recover: 'Recover',
  snapshot: 'Snapshot (backup Job)',
  quiesce: 'Maintenance page up',
  restore: 'Restore Job',
  'restore-snapshot': 'Restore the safety backup',
  discard: 'Remove backup files',
};

export const OPERATION_KINDS = {
  update: 'Update',
  suspend: 'Suspend',
  resume: 'Resume',
  'add-domain': 'Add domain',
  'remove-domain': 'Remove domain',
  backup: 'Backup',
  restore: 'Restore',
  'delete-backup': 'Delete backup',
  reconcile: 'Correct drift',
};

export const OUTCOMES = {
  succeeded: { label: 'Succeeded', symbol: '✓' },
  'rolled-back': { label: 'Rolled back', symbol: '↺' },
  'rollback-failed': { label: 'Rollback failed', symbol: '✗' },
  cancelled: { label: 'Cancelled', symbol: '–' },
};

/** A backup, restore or backup deletion that failed is cleaned up, not "rolled back" (it
 * changed no config): its outcome in words that say so. */
const CLEAN_UP_OUTCOMES = {
  'rolled-back': { label: 'Failed, cleaned up', symbol: '✗' },
  'rollback-failed': { label: 'Failed, clean-up failed', symbol: '✗' },
};

/** The word and symbol of a finished operation's outcome. */
export function outcomeOf(record) {
  const special = CONFIG_KINDS.has(record.kind) ? null : CLEAN_UP_OUTCOMES[record.outcome];
  return special ?? OUTCOMES[record.outcome] ?? { label: record.outcome, symbol: '?' };
}

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
  if (!parts.length && kind === 'backup') parts.push('database and files');
  if (!parts.length && kind === 'restore') parts.push('data replaced by a backup, after a safety backup');
  if (!parts.length && kind === 'delete-backup') parts.push('backup files removed');
  if (!parts.length && kind === 'reconcile') parts.push('the config the log says, applied again');
  return parts.join(' · ');
}

/** The sentence for a 409 `operation-running` answer: which operation, and what to do. */
export function operationRunningMessage(error) {
  const { operation, operationKind } = error.problem ?? {};
  const kind = operationKind ? ` (${kindLabel(operationKind).toLowerCase()})` : '';
  return `${RUNNING_NOUN[operationKind] ?? 'An update'} is running: operation ${operation ?? 'unknown'}${kind}. `
    + 'A store runs one operation at a time: wait until it ends, then try again.';
}

const RUNNING_NOUN = {
  backup: 'A backup', restore: 'A restore', 'delete-backup': 'A backup deletion', reconcile: 'A drift correction',
};
