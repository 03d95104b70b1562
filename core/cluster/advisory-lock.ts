import { Duration, Effect, Layer, Schedule, SubscriptionRef } from "effect"
import pg from "pg"
import type { StoreError } from "../errors.ts"
import { run } from "../store/run.ts"
import { Leadership } from "./leader.ts"

export interface LeaderLockOptions {
  /** The cluster's PostgreSQL (DATABASE_URL). The lock lives on a connection of its own, never a pool's. */
  readonly url: string
  /** How often a follower tries to take the lock, and the leader checks it still has its session; default 1 s. */
  readonly checkEvery?: Duration.Input
  /** A check that takes longer than this counts as a lost database; default 2 s. */
  readonly checkTimeout?: Duration.Input
}

/** The lock's two-int key: "hx" and 1, a space apart from the one-bigint keys create's admission takes. */
const lockKey = [0x6878, 1] as const

/**
 * The server must notice a leader that vanished without closing its socket (a cut network, a frozen host) within
 * seconds, not after the kernel's two hours: TCP keepalives on the lock's session, 3 s idle, then 1 s apart, 3 tries.
 * A leader that cannot reach the server demotes itself at its next check (at most checkEvery + checkTimeout), which
 * is before the server frees the lock (about 6 s), so two leaders never overlap.
 */
const keepalives = "set tcp_keepalives_idle = 3; set tcp_keepalives_interval = 1; set tcp_keepalives_count = 3"

/**
 * One term's session: connected, lock taken (or not), ended on any trouble. `lost` runs the moment the connection
 * errs or ends: a session the server ended (pg_terminate_backend, a restart) frees its lock at once, so the leader
 * must stop leading then, not at its next check (the leader test saw the next leader start within those 200 ms).
 */
const session = (options: LeaderLockOptions, timeoutMs: number, lost: () => void) =>
  Effect.acquireRelease(
    run("leader.connect", async () => {
      const client = new pg.Client({
        connectionString: options.url,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
        keepAlive: true,
        application_name: "hyperx-leader",
      })
      // A lost connection emits "error" (unheard, it would end the process), then "end".
      client.on("error", lost)
      client.on("end", lost)
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.end().catch(() => undefined)),
  )

const tryLock = (client: pg.Client) =>
  run("leader.tryLock", async () => {
    await client.query(keepalives)
    const result = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1, $2) as locked", [
      ...lockKey,
    ])
    return result.rows[0]?.locked === true
  })

/** True while this session still holds the lock (false if the server restarted and lost it). */
const stillHeld = (client: pg.Client) =>
  run("leader.check", async () => {
    const result = await client.query<{ held: boolean }>(
      `select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
         and classid = $1 and objid = $2 and objsubid = 2 and granted) as held`,
      [...lockKey],
    )
    return result.rows[0]?.held === true
  })

/**
 * Leadership by a PostgreSQL session advisory lock: whoever holds it leads, from one `checkEvery` after it took it.
 * A follower tries every `checkEvery`; the leader checks its session as often and demotes itself (publishing false, so whileLeader interrupts its jobs)
 * when the check fails, times out or finds the lock gone. Closing the layer ends the session, which frees the lock
 * at once for the next agent.
 */
export const layerLeaderLock = (options: LeaderLockOptions): Layer.Layer<Leadership> =>
  Layer.effect(
    Leadership,
    Effect.gen(function* () {
      const every = Duration.fromInputUnsafe(options.checkEvery ?? Duration.seconds(1))
      const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.checkTimeout ?? Duration.seconds(2)))
      const leading = yield* SubscriptionRef.make(false)
      const demote = () => Effect.runSync(SubscriptionRef.set(leading, false))
      const term: Effect.Effect<void, StoreError> = Effect.scoped(
        Effect.gen(function* () {
          const client = yield* session(options, timeoutMs, demote)
          while (!(yield* tryLock(client))) yield* Effect.sleep(every)
          // The lock is free the moment the previous leader's session ends, but that leader learns of it only when
          // its own process hears the socket close (or at its next check). Leading one check interval later, with the
          // lock still held, keeps the two terms apart even when that process is slow to hear it (seen under load).
          yield* Effect.sleep(every)
          if (!(yield* stillHeld(client))) return
          yield* SubscriptionRef.set(leading, true)
          while (yield* stillHeld(client)) yield* Effect.sleep(every)
        }),
      ).pipe(Effect.ensuring(SubscriptionRef.set(leading, false)))
      yield* Effect.forkScoped(
        term.pipe(
          Effect.catchCause((cause) => Effect.logWarning("leader lock session ended", cause)),
          Effect.repeat(Schedule.spaced(every)),
        ),
      )
      return Leadership.of({ leading })
    }),
  )
