import { Layer } from "effect"
import type { StoreError } from "../errors.ts"
import { Store } from "./ports.ts"
import { openStore } from "./store.ts"

/** The Store on a PostgreSQL server (a cluster's shared state); migrates to the latest schema on start. */
export const layerPostgres = (url: string): Layer.Layer<Store, StoreError> =>
  Layer.effect(Store, openStore({ dialect: "postgres", url }))

/** The Store on embedded PGlite in `dataDir` (in memory without one); migrates on start, closes with the layer. */
export const layerPglite = (options: { readonly dataDir?: string }): Layer.Layer<Store, StoreError> =>
  Layer.effect(
    Store,
    openStore(options.dataDir === undefined ? { dialect: "pglite" } : { dialect: "pglite", dataDir: options.dataDir }),
  )
