// Applies a store event from the stream to the store's view in the page, so a row changes
// without asking the server. This mirrors the server's fold (StoreState.evolve + StoreView) for
// the events of a plain provisioning run, a failure's end, a deletion's end, a day-two
// operation (operationEvents.js) and drift (driftEvents.js); for anything else (compensation, a retry, an event type this
// page does not know, a version gap) it returns null and the caller asks the server for that
// one store.

import { driftFrom, settleDrift } from './driftEvents.js';
import { OPERATION_EVENTS, applyOperationEvent } from './operationEvents.js';

export const STEPS = ['namespace', 'helm', 'mysql', 'wordpress', 'woocommerce'];

/** A store's first view, from its `store.requested.v2` event (or an old `.v1`: same fields), as the server builds it. */
export function viewFromRequested(event) {
  const d = event.data ?? {};
  if (!d.storeId || !d.name || !d.domain) return null;
  return {
    id: d.storeId,
    name: d.name,
    domain: d.domain,
    plan: d.plan,
    adminEmail: d.adminEmail,
    status: 'provisioning',
    currentStep: STEPS[0],
    steps: STEPS.map((name) => ({ name, status: 'pending', attempts: 0 })),
    failedStep: null,
    lastError: null,
    needsAttention: false,
    leftovers: [],
    requestedBy: d.requestedBy,
    createdAt: event.recordedAt,
    updatedAt: event.recordedAt,
    readyAt: null,
    desired: { name: d.name, plan: d.plan, plugins: [], extraDomains: [], suspended: false },
    applied: null,
    extraDomains: [],
    helmRevision: null,
    operation: null,
    operations: [],
    backups: [],
    version: event.version,
  };
}

/** The view after `event`, or null when this page cannot work it out exactly. */
export function applyEvent(view, event) {
  if (event.version !== view.version + 1) return null;
  const d = event.data ?? {};
  const at = event.recordedAt;
  const next = { ...view, steps: view.steps.map((step) => ({ ...step })), version: event.version, updatedAt: at };
  const step = d.step ? next.steps.find((s) => s.name === d.step) : null;
  const provisioning = view.status === 'provisioning';
  if (OPERATION_EVENTS.has(event.type)) {
    const after = applyOperationEvent(view, next, event);
    return after && settleDrift(after, event);
  }
  switch (event.type) {
    case 'store.credentials-viewed.v1':
      return next;
    case 'store.drift-detected.v1':
      return { ...next, drift: driftFrom(event) };
    case 'store.forgotten.v1':
      return { ...next, adminEmail: '[erased]' };
    case 'store.step-started.v1':
      if (!provisioning || !step) return null;
      Object.assign(step, { status: 'running', attempts: d.attempt, startedAt: at, finishedAt: null, nextAttemptAt: null });
      return withProvisioningStep(next);
    case 'store.step-succeeded.v1':
      if (!provisioning || !step) return null;
      Object.assign(step, {
        status: 'succeeded', finishedAt: at, durationMs: d.durationMs, lastError: null, nextAttemptAt: null,
      });
      if (/^\d+$/.test(d.details?.revision ?? '')) next.helmRevision = Number(d.details.revision);
      return withClusterWait(withProvisioningStep(next), null);
    case 'store.step-failed.v1':
      if (!provisioning || !step) return null;
      Object.assign(step, { status: 'failed', finishedAt: at, lastError: d.error, nextAttemptAt: d.nextAttemptAt ?? null });
      return withClusterWait(withProvisioningStep(next), d.waitingForCluster ?? null);
    case 'store.ready.v1':
      if (!provisioning || !d.urls) return null;
      return { ...next, status: 'ready', urls: d.urls, readyAt: at, currentStep: null, applied: view.desired ?? null };
    case 'store.failed.v1':
      return { ...next, status: 'failed', lastError: d.reason, failedStep: d.failedStep ?? null, currentStep: d.failedStep ?? null };
    case 'store.deleted.v1':
      return { ...next, status: 'deleted', currentStep: null, urls: null, needsAttention: false, leftovers: [] };
    default:
      return null;
  }
}

/**
 * While provisioning: the wait for an unreachable cluster that the step's last outcome says
 * (null once the cluster answered); waiting past the step's deadline needs attention.
 */
export function withClusterWait(view, wait) {
  return { ...view, waitingForCluster: wait, needsAttention: Boolean(wait?.overdue) };
}

/** While provisioning: the first step not done is current; the first step error is the error. */
function withProvisioningStep(view) {
  const current = view.steps.find((s) => s.status !== 'succeeded');
  const error = view.steps.find((s) => s.lastError);
  return { ...view, currentStep: current?.name ?? null, lastError: error?.lastError ?? null };
}

/** The status a store shows while an operation of this kind runs (others: updating). */
const RUNNING_STATUS = { backup: 'backing-up', restore: 'restoring' };

/** The status a store has after an event of `type` (when the type alone says so), else null. */
export function statusAfter(event) {
  switch (event.type) {
    case 'store.requested.v2':
    case 'store.requested.v1':
    case 'store.retry-requested.v1':
      return 'provisioning';
    case 'store.ready.v1':
      return 'ready';
    case 'store.failed.v1':
    case 'store.compensation-failed.v1':
      return 'failed';
    case 'store.compensation-started.v1':
      return event.data?.cause === 'failure' ? 'compensating' : 'deleting';
    case 'store.deletion-requested.v1':
      return 'deleting';
    case 'store.deleted.v1':
      return 'deleted';
    case 'store.change-requested.v1':
      return RUNNING_STATUS[event.data?.kind] ?? 'updating';
    case 'store.suspended.v1':
      return 'suspended';
    case 'store.changed.v1':
    case 'store.resumed.v1':
      return 'ready';
    default:
      return null;
  }
}
