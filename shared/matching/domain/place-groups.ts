import type { Pool } from './pool-index.ts';

/**
 * Placement groups: how queued work is split between matchers (issue 14). Each placeable job
 * belongs to one group, derived from its own spec: its **home pool** is the first model and the
 * first region it names (sorted; `*` where it names none), and its group is that key's hash mod
 * `PLACE_GROUPS`. The placeable jobs are listed per group (`place#<group>` in the work index)
 * and, on AWS, each group is one message group of the `matching-pools` FIFO queue, so one
 * matcher works a group at a time while the groups run in parallel. Several pools may share a
 * group (a hash); a fixed number of groups lets the sweep read every group's jobs.
 *
 * The group only says which matcher works a job, not where it may go: placement still looks
 * at every pool the job can use (the way onward), and the host's revision condition settles
 * the rare race with another group's matcher over a host both may use.
 */
export const PLACE_GROUPS = 32;

/** Model names compare as API.md's filter does: words, case ignored, dashes as spaces. */
const words = (text: string): string[] => text.trim().toLowerCase().split(/[\s-]+/).filter(Boolean);
const ANY = '*';

const first = (values: readonly string[] | undefined): string | undefined => (values && values.length > 0 ? [...values].sort()[0] : undefined);

/** The pool a job is grouped under: its first model and region, `*` where it names none. */
export const homePoolOf = (spec: { readonly gpu: { readonly models?: readonly string[] }; readonly regions?: readonly string[] }): string => {
  const model = first(spec.gpu.models);
  const region = first(spec.regions);
  return `${model === undefined ? ANY : words(model).join(' ')}@${region ?? ANY}`;
};

/** FNV-1a: a stable spread of keys over the groups, the same in every process. */
const hash = (text: string): number => {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
};

export const groupOfPool = (homePool: string): number => hash(homePool) % PLACE_GROUPS;

export const placeGroupOf = (spec: Parameters<typeof homePoolOf>[0]): number => groupOfPool(homePoolOf(spec));

/**
 * The groups whose jobs a host in this pool may serve: every home pool that names a leading
 * part of its model ("h100" and "h100 80gb" for an `H100 80GB` host) or no model, in its region
 * or in none. A capacity change there nudges these groups. A job naming several models or
 * regions is grouped by the first of each, so a change in one of its other pools does not
 * nudge its group: its own group's next nudge, or the minute sweep, places it.
 */
export const groupsServedBy = (pool: Pool): number[] => {
  const modelWords = words(pool.model);
  const models = [ANY, ...modelWords.map((_, index) => modelWords.slice(0, index + 1).join(' '))];
  const keys = models.flatMap((model) => [`${model}@${pool.region}`, `${model}@${ANY}`]);
  return [...new Set(keys.map(groupOfPool))].sort((a, b) => a - b);
};
