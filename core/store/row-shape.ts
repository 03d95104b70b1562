/** Copies a row's values into a new object, the i-th key read becoming the i-th key written. */
export type RowCopier = (row: Readonly<Record<string, unknown>>) => Record<string, unknown>

/**
 * Copiers made, by their keys: a list page asks for the same few lists of keys on every request (its columns), and
 * compiled anew for each page (a `new Function`, twice a page) the two copies of 50 rows of 30 keys cost 20–29 µs of
 * CPU instead of 4–5 µs (#23: about 1 % of the agent's CPU for a list request, too little to show in the bench's
 * tail). The cap guards memory should a client ask for ever other columns.
 */
const copiers = new Map<string, RowCopier>()
const keptCopiers = 1000

/**
 * A copier from the keys `from` to the keys `to` (the same keys by default): one object literal, compiled once per
 * list of keys. A list page copies ~50 rows of 30–60 keys a few times (the driver's row to camelCase, the API's item),
 * and the copies built key by key (`copy[key] = row[key]` in a loop) were about half of its allocations (#23,
 * bench/api-list/profile.ts): past a dozen computed keys V8 turns such an object into a hash table, several times the
 * memory of a plain object and slower to read and serialise. A literal is a plain object of one shape for every row,
 * and builds in about a fifth of the time of a template copied and then filled. The keys come from the statement's
 * columns and the model's field names, never from a request, and are written as JSON string literals.
 */
export const copierOf = (from: ReadonlyArray<string>, to: ReadonlyArray<string> = from): RowCopier => {
  const key = JSON.stringify([from, to])
  let copier = copiers.get(key)
  if (copier === undefined) {
    copier = compiled(from, to)
    if (copiers.size < keptCopiers) copiers.set(key, copier)
  }
  return copier
}

/** A key as written in an object literal: `__proto__` computed, since written plainly it would set the prototype. */
const literalKey = (key: string) => (key === "__proto__" ? `["__proto__"]` : JSON.stringify(key))

const compiled = (from: ReadonlyArray<string>, to: ReadonlyArray<string>): RowCopier => {
  const properties = to.map((key, at) => `${literalKey(key)}: row[${JSON.stringify(from[at])}]`)
  try {
    return new Function("row", `return { ${properties.join(", ")} }`) as RowCopier
  } catch {
    // Node run with --disallow-code-generation-from-strings (a hardened host): the same copy, key by key.
    return (row) => {
      const copy: Record<string, unknown> = {}
      for (let at = 0; at < to.length; at++) copy[to[at] as string] = row[from[at] as string]
      return copy
    }
  }
}

/** Builds a row object from the driver's row as an array of values, the i-th value under the i-th key. */
export type ArrayRowCopier = (values: ReadonlyArray<unknown>) => Record<string, unknown>

const arrayCopiers = new Map<string, ArrayRowCopier>()

/**
 * An object maker for rows read as arrays (plain-rows.ts), under `keys` (a result's columns, in order): one object
 * literal, compiled once per list of keys as copierOf's. A column named twice keeps its last value, as the driver's
 * own rows do.
 */
export const objectMakerOf = (keys: ReadonlyArray<string>): ArrayRowCopier => {
  const key = JSON.stringify(keys)
  let maker = arrayCopiers.get(key)
  if (maker === undefined) {
    maker = compiledMaker(keys)
    if (arrayCopiers.size < keptCopiers) arrayCopiers.set(key, maker)
  }
  return maker
}

const compiledMaker = (keys: ReadonlyArray<string>): ArrayRowCopier => {
  const properties = keys.map((key, at) => `${literalKey(key)}: values[${at}]`)
  try {
    return new Function("values", `return { ${properties.join(", ")} }`) as ArrayRowCopier
  } catch {
    return (values) => {
      const row: Record<string, unknown> = {}
      for (let at = 0; at < keys.length; at++) Object.defineProperty(row, keys[at] as string, plainValue(values[at]))
      return row
    }
  }
}

const plainValue = (value: unknown): PropertyDescriptor => ({
  value,
  writable: true,
  enumerable: true,
  configurable: true,
})
