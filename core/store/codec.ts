/** How one model type maps to its table: which fields are jsonb, which are bigint. */
export interface CodecOptions<T> {
  readonly json?: ReadonlyArray<keyof T & string>
  readonly int8?: ReadonlyArray<keyof T & string>
}

/** Turns model values into column values and rows back into model values. */
export interface Codec<T> {
  /** The model's field names, in the model's order. */
  readonly fields: ReadonlyArray<keyof T & string>
  /** Column values for the model fields present in `value`; jsonb as JSON text. */
  readonly encode: (value: Partial<T>) => Record<string, unknown>
  /** Column values for a filter: unknown keys pass through (derived columns), jsonb as JSON text. */
  readonly encodeFilter: (filter: object) => Record<string, unknown>
  /** The model value of a row: only model fields, bigint strings as numbers. */
  readonly decode: (row: Record<string, unknown>) => T
}

export const toJsonText = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value)

export const toNumber = (value: unknown): number => (typeof value === "number" ? value : Number(value))

/** A model Struct schema: its decoded type and its fields. */
interface StructSchema {
  readonly Type: object
  readonly fields: object
}

/** A codec from a model Struct: every field is a column of the same (camelCase) name. */
export const codecOf = <S extends StructSchema>(schema: S, options: CodecOptions<S["Type"]> = {}): Codec<S["Type"]> => {
  type T = S["Type"]
  const fields = Object.keys(schema.fields) as Array<keyof T & string>
  const json = new Set<string>(options.json ?? [])
  const int8 = new Set<string>(options.int8 ?? [])
  const known = new Set<string>(fields)
  const column = (key: string, value: unknown) => (json.has(key) ? toJsonText(value) : value)
  const entries = (value: object, keep: (key: string) => boolean) =>
    Object.fromEntries(
      Object.entries(value)
        .filter(([key, v]) => v !== undefined && keep(key))
        .map(([key, v]) => [key, column(key, v)]),
    )
  return {
    fields,
    encode: (value) => entries(value, (key) => known.has(key)),
    encodeFilter: (filter) => entries(filter, () => true),
    // A plain loop: lists decode thousands of rows (an export, 10,000), and entry arrays per row showed in profiles.
    decode: (row) => {
      const decoded: Record<string, unknown> = {}
      for (const key of fields) {
        const value = row[key]
        decoded[key] = int8.has(key) && value !== null ? toNumber(value) : value
      }
      return decoded as T
    },
  }
}
