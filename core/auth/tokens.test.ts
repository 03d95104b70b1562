import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Clock, Effect } from "effect"
import { TestClock } from "effect/testing"
import { Store } from "../store/ports.ts"
import { insertWorld, sampleWorld, storeBackends, useStore } from "../store/testing.ts"
import { hashToken } from "./secrets.ts"
import { authenticate, issueToken } from "./tokens.ts"
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
  })
}
