import type { ColumnType, Generated } from "kysely"
import type { Json } from "./columns.ts"

/** #21 G4: one published event; `event` is the PlatformEvent as JSON (its JSON codec's form). */
export interface PlatformEventsTable {
  /** int8 identity: pg returns it as a string. */
  id: ColumnType<string, never, never>
  at: Generated<Date>
  hostId: string
  event: Json<unknown>
}
