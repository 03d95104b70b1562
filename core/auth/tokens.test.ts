import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { Store } from "../store/ports.ts"
import { insertWorld, sampleWorld, storeBackends, useStore } from "../store/testing.ts"
import { hashToken } from "./secrets.ts"
import { authenticate, issueToken, lastUsedPrecisionMs } from "./tokens.ts"
import { VerifiedTokens, verifiedTokenLifeMs } from "./verified-tokens.ts"

for (const backend of storeBackends) {
  describe(`API tokens on ${backend.name}`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)
    const world = sampleWorld()

    it("G1 a token is shown once, stored only as its hash, and names its user's role and organisation", async () => {
      await runStore(insertWorld(world))
      const { token, secret } = await runStore(issueToken(world.user.id, "ci"))
      assert.match(secret, /^hx_/)
      const stored = await runStore(Store.use((s) => s.apiTokens.get(token.id)))
      assert.equal(stored.secretHash, hashToken(secret))
      assert.ok(!JSON.stringify(stored).includes(secret))
      const actor = await runStore(authenticate(secret))
      assert.deepEqual(actor, {
        userId: world.user.id,
        role: world.user.role,
        companyId: world.company.id,
        departmentId: world.department.id,
      })
    })

    it("G1 missing, malformed, unknown and expired tokens are all refused alike", async () => {
      const { secret: expired } = await runStore(issueToken(world.user.id, "old", new Date("2020-01-01")))
      for (const bad of [undefined, "", "Bearer x", "hx_unknown", expired]) {
        const error = await runStore(Effect.flip(authenticate(bad)))
        assert.equal(error._tag, "Unauthenticated", String(bad))
      }
    })

    it("#14 a verified token is believed for a second (no query), then asked again: a revoked one is refused", async () => {
      const { token, secret } = await runStore(issueToken(world.user.id, "cached"))
      const expiring = await runStore(issueToken(world.user.id, "expiring", new Date(Date.now() + 500)))
      await runStore(
        Effect.scoped(
          Effect.gen(function* () {
            const clock = yield* TestClock.make()
            const body = Effect.gen(function* () {
              yield* TestClock.setTime(Date.now())
              const store = yield* Store
              assert.equal((yield* authenticate(secret)).userId, world.user.id)
              yield* authenticate(expiring.secret)
              yield* store.apiTokens.remove(token.id)
              // Within the cache's life the revoked token still passes (another process revoked it).
              assert.equal((yield* authenticate(secret)).userId, world.user.id)
              // Its own expiry is checked on every request, cached or not.
              yield* TestClock.adjust(600)
              assert.equal((yield* Effect.flip(authenticate(expiring.secret)))._tag, "Unauthenticated")
              yield* TestClock.adjust(verifiedTokenLifeMs)
              assert.equal((yield* Effect.flip(authenticate(secret)))._tag, "Unauthenticated")
            })
            yield* body.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(VerifiedTokens.layer))
          }),
        ),
      )
    })

    it("#21 lastUsedAt is written on use, coalesced: at most once a minute per token, whatever the requests", async () => {
      const { token, secret } = await runStore(issueToken(world.user.id, "used"))
      const lastUsed = () => runStore(Store.use((s) => s.apiTokens.get(token.id))).then((t) => t.lastUsedAt)
      const start = Date.now()
      await runStore(
        Effect.scoped(
          Effect.gen(function* () {
            const clock = yield* TestClock.make()
            const body = Effect.gen(function* () {
              yield* TestClock.setTime(start)
              yield* authenticate(secret)
              const store = yield* Store
              const first = (yield* store.apiTokens.get(token.id)).lastUsedAt
              assert.equal(first?.getTime(), start)
              // Many requests within the minute (past the verification cache too): no new write.
              for (const step of [1_500, 20_000, 30_000]) {
                yield* TestClock.adjust(step)
                yield* Effect.all([authenticate(secret), authenticate(secret), authenticate(secret)], {
                  concurrency: 3,
                })
              }
              assert.equal((yield* store.apiTokens.get(token.id)).lastUsedAt?.getTime(), start)
              yield* TestClock.adjust(lastUsedPrecisionMs)
              yield* authenticate(secret)
              const later = (yield* store.apiTokens.get(token.id)).lastUsedAt?.getTime() ?? 0
              assert.equal(later, start + 1_500 + 20_000 + 30_000 + lastUsedPrecisionMs)
            })
            yield* body.pipe(Effect.provideService(Clock.Clock, clock), Effect.provide(VerifiedTokens.layer))
          }),
        ),
      )
      assert.ok((await lastUsed()) !== null)
    })
  })
}
