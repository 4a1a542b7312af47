// The change form's values as a JSON merge patch: each field is checked as the server checks
// its format (StoreChange.validate), and only the fields that differ from the config the
// store runs are sent. Whether a change is allowed (a plan only grows, versions only go
// forward) is the server's call: its field errors are shown next to the fields.

import { pluginText } from './operationWords.js';

export const CHANGE_FIELDS = ['name', 'plan', 'wordpressVersion', 'woocommerceVersion', 'plugins'];
export const PLANS = ['small', 'medium', 'large'];
const VERSION = /^\d{1,6}(\.\d{1,6}){1,3}$/;
// As the chart's schema takes them: WordPress x.y or x.y.z, WooCommerce x.y.z.
const FIELD_VERSION = {
  wordpressVersion: [/^\d{1,6}(\.\d{1,6}){1,2}$/, 'must be a version such as 7.1 or 7.1.0'],
  woocommerceVersion: [/^\d{1,6}\.\d{1,6}\.\d{1,6}$/, 'must be a version such as 11.2.0'],
};
const SLUG = /^[a-z0-9][a-z0-9-]*$/;

/** The plans a store on `plan` may move to: the same or bigger (volumes never shrink). */
export function plansFrom(plan) {
  const rank = PLANS.indexOf(plan);
  return rank < 0 ? PLANS : PLANS.slice(rank);
}

/** The plugins editor's text for a config's plugins: one `slug` or `slug@version` a line. */
export function pluginsText(plugins = []) {
  return plugins.map(pluginText).join('\n');
}

/** The text each field shows for `config` (what an untouched field holds). */
export function fieldTexts(config) {
  return {
    name: config.name ?? '',
    plan: config.plan ?? '',
    wordpressVersion: config.wordpressVersion ?? '',
    woocommerceVersion: config.woocommerceVersion ?? '',
    plugins: pluginsText(config.plugins),
  };
}

function characterCount(text) {
  return typeof Intl !== 'undefined' && Intl.Segmenter ? [...new Intl.Segmenter().segment(text)].length : [...text].length;
}

/**
 * Parses the plugins editor: `{plugins, lines, problems}`; `lines[i]` is the editor line of
 * `plugins[i]` (blank lines are skipped), for showing the server's `plugins[i]` errors.
 */
export function parsePlugins(text) {
  const plugins = [];
  const lines = [];
  const problems = [];
  const seen = new Set();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const at = line.indexOf('@');
    const slug = (at < 0 ? line : line.slice(0, at)).trim();
    const version = at < 0 ? null : line.slice(at + 1).trim();
    const where = `line ${index + 1}`;
    if (!SLUG.test(slug) || slug.length > 100) {
      problems.push(`${where}: “${slug}” is not a wordpress.org plugin slug such as woocommerce-payments`);
    } else if (slug === 'woocommerce') {
      problems.push(`${where}: WooCommerce is set by the WooCommerce version, not as a plugin`);
    } else if (seen.has(slug)) {
      problems.push(`${where}: ${slug} is listed twice`);
    }
    if (version !== null && !VERSION.test(version)) problems.push(`${where}: the version must be such as 5.3.2`);
    seen.add(slug);
    plugins.push(version === null ? slug : { slug, version });
    lines.push(index + 1);
  });
  if (plugins.length > 50) problems.push('must list at most 50 plugins');
  return { plugins, lines, problems };
}

/**
 * The merge patch for the form's `values` against the `config` the store runs:
 * `{patch, errors, lines}`; `errors` maps a field to its message; `lines` maps the patch's
 * plugin indexes to editor lines.
 */
export function changePatch(values, config) {
  const patch = {};
  const errors = {};
  const name = values.name.trim();
  if (name !== config.name) {
    if (name === '') errors.name = 'is required';
    else if (characterCount(name) > 60) errors.name = 'must be at most 60 characters';
    else if (/\p{Cc}/u.test(name)) errors.name = 'must not contain control characters';
    else patch.name = name;
  }
  if (values.plan !== config.plan) {
    if (PLANS.includes(values.plan)) patch.plan = values.plan;
    else errors.plan = `must be one of ${PLANS.join(', ')}`;
  }
  for (const field of ['wordpressVersion', 'woocommerceVersion']) {
    const version = values[field].trim();
    const current = config[field] ?? '';
    if (version === current) continue;
    if (version === '') errors[field] = `cannot be removed (it is ${current}); give a version`;
    else if (!FIELD_VERSION[field][0].test(version)) errors[field] = FIELD_VERSION[field][1];
    else patch[field] = version;
  }
  const { plugins, lines, problems } = parsePlugins(values.plugins);
  const before = (config.plugins ?? []).map(pluginText);
  const after = plugins.map(pluginText);
  if (after.length !== before.length || after.some((text, i) => text !== before[i])) {
    if (problems.length) errors.plugins = problems.join('; ');
    else patch.plugins = plugins; // the list replaces the current one; [] removes them all
  }
  return { patch, errors, lines };
}
