/**
 * Makes objects that all have `keys`, in that order, with one hidden class between them. An object built by
 * assigning computed keys one by one (`row[key] = value` in a loop) turns into a hash table in V8 past a dozen keys:
 * several times the memory of a plain object, and slower to read and to serialise. A list page copies ~50 rows of
 * 30–60 keys a few times (driver row, camelCase row, API item), and those copies were most of its allocations (#23,
 * bench/api-list/profile.ts). Copying a template keeps every copy a plain object; the caller then sets each key.
 */
export const shapeOf = (keys: ReadonlyArray<string>): (() => Record<string, unknown>) => {
  const template: Record<string, unknown> = Object.fromEntries(keys.map((key) => [key, null]))
  return () => ({ ...template })
}
