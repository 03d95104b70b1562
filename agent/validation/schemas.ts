import { Schema, SchemaTransformation } from "effect"
import { documentedAs } from "../openapi/shim.ts"

/** PostgreSQL text cannot hold NUL, and no name or filter needs a control character: refuse them at the door. */
const noControlCharacters = Schema.isPattern(/^[^\p{Cc}]*$/u, { message: "Expected text without control characters" })
const noControlButLineBreaks = Schema.isPattern(/^(?:[^\p{Cc}]|[\t\n\r])*$/u, {
  message: "Expected text without control characters",
})

/** One line of text, at most `max` characters. */
export const Text = (max: number) => Schema.String.check(Schema.isMaxLength(max), noControlCharacters)

/** Text that may span lines (remarks), at most `max` characters. */
export const MultilineText = (max: number) => Schema.String.check(Schema.isMaxLength(max), noControlButLineBreaks)

/** An id in a path, a filter or a body: what the platform's ids (UUIDs, hostnames) look like. */
export const ApiId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, {
    message: "Expected an id (1–64 letters, digits, '.', '_', ':' or '-')",
  }),
)

export const IdParam = Schema.Struct({ id: ApiId })

/**
 * No options: an empty object or no body. (An empty Struct would let any key through.) Actions without options and
 * every DELETE take it, so a body with fields is refused as an unknown field wherever it is sent.
 */
export const NoOptions = Schema.Record(Schema.String, Schema.Never).annotate({ identifier: "NoOptions" })

/** An ISO 8601 date-time in JSON, decoded to a Date (`2027-01-31T00:00:00Z`, or a plain date). */
export const IsoDateTime = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, {
    message: "Expected an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z",
  }),
).pipe(Schema.decodeTo(Schema.DateFromString))

/**
 * A query list: `?state=running,stopped` or `?state=running&state=stopped`; at most 100 items. The document shows it
 * as an array of the items (what a typed client sends, repeated), so enums such as the VM states are listed there.
 */
export const QueryList = <S extends Schema.Codec<unknown, string>>(item: S, description: string) =>
  documentedAs(Schema.Union([Text(4000), Schema.Array(Text(4000)).check(Schema.isMaxLength(100))]), {
    type: "array",
    items: Schema.toJsonSchemaDocument(item).schema,
    maxItems: 100,
    description,
  }).pipe(
    Schema.decodeTo(
      Schema.Array(item).check(Schema.isMaxLength(100)),
      SchemaTransformation.transform<ReadonlyArray<S["Encoded"]>, string | ReadonlyArray<string>>({
        decode: (raw) =>
          (typeof raw === "string" ? [raw] : raw)
            .flatMap((part) => part.split(","))
            .map((part) => part.trim())
            .filter((part) => part !== "") as ReadonlyArray<S["Encoded"]>,
        encode: (items) => items.join(","),
      }),
    ),
  )

/** A non-negative integer in a query string, within bounds (an integer in the document, as a typed client sends it). */
export const QueryInt = (minimum: number, maximum: number) =>
  documentedAs(Schema.String.check(Schema.isPattern(/^\d{1,9}$/, { message: "Expected a non-negative integer" })), {
    type: "integer",
    minimum,
    maximum,
  }).pipe(
    Schema.decodeTo(
      Schema.Int.check(Schema.isBetween({ minimum, maximum })),
      SchemaTransformation.transform({ decode: (s: string) => Number(s), encode: (n: number) => String(n) }),
    ),
  )

/** A flag in a query string: true/false (also 1/0). */
export const QueryBool = documentedAs(
  Schema.String.check(Schema.isPattern(/^(true|false|1|0)$/, { message: "Expected true or false" })),
  { type: "boolean" },
).pipe(
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transform({
      decode: (s: string) => s === "true" || s === "1",
      encode: (b: boolean) => String(b),
    }),
  ),
)
