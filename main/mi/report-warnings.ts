// The warnings of an MI or selection report: the report's own, then each feature's prefixed by its name,
// each once. A wide table can give thousands of features the same warning ("column … is constant"):
// past SUMMARY_THRESHOLD features with one kind of warning, the kind is summarised on one line that
// counts the features and names the first few ("312 constant columns (MI is 0): a, b, c, … (first 10)").
// Each feature's own `warnings` list stays complete. Linear in the number of warnings (a Set and a Map,
// never a search of the list so far).
import type { MiFeatureResult } from '../api/contract.js';

/** More features than this with one kind of warning are summarised on one line. */
export const SUMMARY_THRESHOLD = 10;
/** Features named in a summary line. */
export const SUMMARY_NAMES = 10;

/** A warning with the feature's quoted name and every number taken out: what features share. */
function templateOf(warning: string, name: string): string {
  return warning
    .split(`"${name}"`)
    .join('"…"')
    .replace(/\d[\d,.]*/g, '#');
}

/** How a summary line describes a kind of warning: an example of the kind (for a column "x"), the description. */
const SUMMARIES: ReadonlyMap<string, string> = new Map(
  [
    ['column "x" is constant: MI is 0', 'constant columns (MI is 0)'],
    [
      'column "x": ties too close for float64 spreading; dense ranks were used',
      'columns with ties too close for float64 spreading (dense ranks were used)',
    ],
    ['only 3 rows for k = 3 neighbours: MI reported as 0', 'columns with no more rows than k neighbours (MI reported as 0)'],
    ['12 rows with a missing value dropped', 'columns with rows dropped for a missing value'],
  ].map(([example, description]) => [templateOf(example!, 'x'), description!]),
);

export function reportWarnings(warnings: readonly string[], results: readonly MiFeatureResult[]): string[] {
  const out = new Set<string>(warnings);
  // Features per template, in report order; a template's line goes where its first feature's would.
  const groups = new Map<string, Array<{ name: string; warning: string }>>();
  for (const result of results) {
    for (const warning of result.warnings) {
      const template = templateOf(warning, result.name);
      let group = groups.get(template);
      if (group === undefined) groups.set(template, (group = []));
      group.push({ name: result.name, warning });
    }
  }
  for (const [template, group] of groups) {
    if (group.length <= SUMMARY_THRESHOLD) {
      for (const { name, warning } of group) out.add(`${name}: ${warning}`);
      continue;
    }
    const names = [...new Set(group.map(({ name }) => name))];
    const description = SUMMARIES.get(template) ?? `columns with the same warning as ${group[0]!.name} ("${group[0]!.warning}")`;
    const listed =
      names.length > SUMMARY_NAMES ? `${names.slice(0, SUMMARY_NAMES).join(', ')}, … (first ${SUMMARY_NAMES})` : names.join(', ');
    out.add(`${names.length.toLocaleString('en-US')} ${description}: ${listed}`);
  }
  return [...out];
}
