/** Agent ids: dotted paths built from the names given to `delegate`. */

/** A delegate name made safe for an id segment: letters, digits, `_` and `-` (at most 40). */
export function idSegment(name: string): string {
  const seg = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return seg || 'child';
}

/**
 * The id of a new child of `parentId` named `name`: `parent.name`, or `parent.name_2`,
 * `parent.name_3`, ... when that id is taken. Pure.
 */
export function childId(parentId: string, name: string, taken: ReadonlySet<string>): string {
  const base = `${parentId}.${idSegment(name)}`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}
