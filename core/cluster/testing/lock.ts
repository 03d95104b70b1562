import { Context, Effect, Layer } from "effect"
import { adminQuery } from "../../store/testing.ts"
import { layerLeaderLock } from "../advisory-lock.ts"
import { Leadership } from "../leader.ts"

/** A leader candidate: its Leadership, built in the caller's scope (closing the scope ends its session). */
export const candidate = (url: string) =>
  Effect.map(Layer.build(layerLeaderLock({ url, checkEvery: "200 millis", checkTimeout: "1 second" })), (context) =>
    Context.get(context, Leadership),
  )

/** Ends the lock holder's session from outside, as a lost network or a dead agent would. */
export const killLockHolder = (admin: string, database: string) =>
  adminQuery(
    admin,
    `select pg_terminate_backend(l.pid) from pg_locks l join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and l.classid = ${0x6878} and l.granted and d.datname = '${database}'`,
  )
