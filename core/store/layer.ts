import { Layer } from "effect"
import type { StoreError } from "../errors.ts"
import { Store } from "./ports.ts"
import { openStore } from "./store.ts"

/**
 * The Store on a PostgreSQL server: the data folder's embedded server (its URL) or a cluster's shared database
 * (DATABASE_URL); migrates to the latest schema on start.
 */
export const layerPostgres = (url: string): Layer.Layer<Store, StoreError> =>
  Layer.effect(Store, openStore({ dialect: "postgres", url }))
