import type { ColumnType } from "kysely"

/** A jsonb column: reads come back parsed; writes go as JSON text (pg would turn a JS array into a PG array). */
export type Json<T> = ColumnType<T, string, string>

/** A nullable jsonb column. */
export type NullableJson<T> = ColumnType<T | null, string | null, string | null>

/** A bigint column: pg returns int8 as a string to keep precision; the codecs turn it into a number. */
export type Int8 = ColumnType<string, number, number>

/** G1: when a catalogue entry was retired; null (the default) while in use. */
export type RetiredAt = ColumnType<Date | null, Date | null | undefined, Date | null>

/** A timestamp the database fills with now() unless given. */
export type CreatedAt = ColumnType<Date, Date | undefined, Date>
