import { Effect } from "effect"
import type { StoreError } from "../errors.ts"
import { toStoreError } from "./store-error.ts"

/** Run one database call; any rejection becomes a StoreError naming the operation. */
export const run = <A>(operation: string, query: () => Promise<A>): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({ try: query, catch: toStoreError(operation) })
