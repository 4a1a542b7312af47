// The server's rules for a store request (StoreSpec.validate), checked before sending so
// the user hears about a typo at once. The server stays the judge: its answer wins.

export const PLANS = ['small', 'medium', 'large'];
const EMAIL_EXAMPLE = 'must be an e-mail address such as admin@example.com';

function characterCount(text) {
  if (typeof Intl !== 'undefined' && Intl.Segmenter) {
    return [...new Intl.Segmenter().segment(text)].length;
  }
  return [...text].length;
}

/** Why `host` is not an RFC 1123 host name with at least two labels, or null. */
export function hostNameProblem(host) {
  if (host === '') return 'is required';
  if (new TextEncoder().encode(host).length > 253) return 'must be at most 253 characters';
  const labels = host.split('.');
  if (labels.length < 2) return 'must be a fully qualified host name such as shop.example.com';
  for (const label of labels) {
    if (label === '' || label.length > 63) return 'each label must be 1-63 characters';
    if (!/^[a-z0-9-]+$/.test(label)) return 'may contain only letters, digits, hyphens and dots';
    if (label.startsWith('-') || label.endsWith('-')) return 'labels must not start or end with a hyphen';
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return 'must not end in a numeric label';
  return null;
}

/** Why `email` is not a plausible address (local@host), or null. */
export function emailProblem(email) {
  if (email === '') return 'is required';
  if (new TextEncoder().encode(email).length > 254) return 'must be at most 254 characters';
  const parts = email.split('@');
  if (parts.length !== 2 || parts[0] === '' || parts[0].length > 64) return EMAIL_EXAMPLE;
  const [local, host] = parts;
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local)) return EMAIL_EXAMPLE;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return EMAIL_EXAMPLE;
  if (hostNameProblem(host.toLowerCase()) !== null) return 'must have a valid domain after @';
  return null;
}

/**
 * Checks raw form values. Returns `{spec, errors}`: `spec` is what to send (trimmed, domain
 * lower-cased); `errors` maps a field name to its message.
 */
export function validateStore({ name = '', domain = '', adminEmail = '', plan = '' }) {
  const errors = {};
  const spec = {
    name: name.trim(),
    domain: domain.trim().toLowerCase(),
    adminEmail: adminEmail.trim(),
    plan: plan.trim().toLowerCase(),
  };
  if (spec.name === '') errors.name = 'is required';
  else if (characterCount(spec.name) > 60) errors.name = 'must be at most 60 characters';
  else if (/\p{Cc}/u.test(spec.name)) errors.name = 'must not contain control characters';
  const domainProblem = hostNameProblem(spec.domain);
  if (domainProblem) errors.domain = domainProblem;
  const emailIssue = emailProblem(spec.adminEmail);
  if (emailIssue) errors.adminEmail = emailIssue;
  if (!PLANS.includes(spec.plan)) {
    errors.plan = spec.plan === '' ? `is required (one of ${PLANS.join(', ')})` : `must be one of ${PLANS.join(', ')}`;
  }
  return { spec, errors };
}
