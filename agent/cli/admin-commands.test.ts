import assert from "node:assert/strict"
import { after, before, describe, it } from "node:test"
import { Effect, Exit, ManagedRuntime } from "effect"
import { authenticate } from "../../core/auth/tokens.ts"
import type { Store } from "../../core/store/ports.ts"
import { storeBackends } from "../../core/store/testing.ts"
import type { AdminRequest } from "./admin-commands.ts"
import { handleAdminRequest } from "./admin-protocol.ts"

for (const backend of storeBackends) {
  describe(`hyperx admin commands on ${backend.name}`, { skip: backend.skip }, () => {
    let runtime: ManagedRuntime.ManagedRuntime<Store, unknown> | undefined
    before(() => {
      runtime = ManagedRuntime.make(backend.layer())
    })
    after(() => runtime?.dispose())
    // biome-ignore lint/suspicious/noExplicitAny: replies are JSON, read as the CLI reads them
    const admin = async (request: AdminRequest | Record<string, unknown>): Promise<any> => {
      const reply = await (runtime as ManagedRuntime.ManagedRuntime<Store, unknown>).runPromise(
        handleAdminRequest(request),
      )
      if (!reply.ok) throw new Error(reply.message)
      return reply.result
    }
    const actorOf = (secret: string) =>
      (runtime as ManagedRuntime.ManagedRuntime<Store, unknown>).runPromise(Effect.exit(authenticate(secret)))

    it("G1 an organisation, then a token for a new admin named after role and department; the token works", async () => {
      await assert.rejects(admin({ verb: "department.create", name: "ops" }), /no company yet/)
      const company = await admin({ verb: "company.create", name: "Acme", number: "07" })
      const ops = await admin({ verb: "department.create", name: "ops" })
      assert.equal(ops.companyId, company.id)
      const made = await admin({ verb: "token.create", role: "admin", department: "ops" })
      assert.deepEqual(
        [made.user.name, made.user.role, made.user.department, made.userCreated],
        ["admin-ops", "admin", "ops", true],
      )
      assert.match(made.secret, /^hx_/)
      const actor = await actorOf(made.secret)
      assert.ok(Exit.isSuccess(actor))
      assert.deepEqual(Exit.isSuccess(actor) && [actor.value.role, actor.value.departmentId], ["admin", ops.id])
      const again = await admin({ verb: "token.create", role: "admin", department: "ops" })
      assert.equal(again.userCreated, false)
      assert.notEqual(again.secret, made.secret)
    })

    it("G1 --user picks an existing user; a mismatching role or department is refused; --expires-days sets expiry", async () => {
      await admin({ verb: "user.create", name: "alice", role: "user", department: "ops", email: "a@x.test" })
      const token = await admin({ verb: "token.create", user: "alice", expiresDays: 7, name: "laptop" })
      assert.equal(token.user.role, "user")
      const days = (Date.parse(token.expiresAt) - Date.now()) / 86_400_000
      assert.ok(days > 6.9 && days <= 7, `${days}`)
      const session = await admin({ verb: "token.create", user: "alice", ttlSeconds: 300 })
      const seconds = (Date.parse(session.expiresAt) - Date.now()) / 1000
      assert.ok(seconds > 290 && seconds <= 300, `${seconds}`)
      await assert.rejects(admin({ verb: "token.create", user: "alice", ttlSeconds: 60, expiresDays: 1 }), /not both/)
      await assert.rejects(admin({ verb: "token.create", user: "alice", ttlSeconds: 2 }), /5/)
      await assert.rejects(admin({ verb: "token.create", user: "alice", role: "admin" }), /alice is a user of/)
      await assert.rejects(admin({ verb: "token.create", user: "nobody" }), /give --role and --department/)
      await assert.rejects(admin({ verb: "token.create" }), /Say whose token/)
      await assert.rejects(admin({ verb: "user.create", name: "alice", role: "user", department: "ops" }), /exists/)
      await assert.rejects(admin({ verb: "token.create", role: "root", department: "ops" }), /Not a valid admin/)
      await assert.rejects(
        admin({ verb: "user.create", name: "bob", role: "user", department: "nope" }),
        /No department/,
      )
    })

    it("token list shows tokens without secrets; revoke makes a token useless at once", async () => {
      const made = await admin({ verb: "token.create", user: "alice" })
      const listed = await admin({ verb: "token.list", user: "alice" })
      assert.ok(listed.some((t: { id: string }) => t.id === made.tokenId))
      assert.ok(listed.every((t: Record<string, unknown>) => !("secret" in t) && !("secretHash" in t)))
      assert.deepEqual(await admin({ verb: "token.revoke", id: made.tokenId }), { revoked: made.tokenId })
      assert.ok(Exit.isFailure(await actorOf(made.secret)))
      await assert.rejects(admin({ verb: "token.revoke", id: made.tokenId }), /No token/)
    })

    it("org list and user list describe the organisation", async () => {
      const orgs = await admin({ verb: "org.list" })
      assert.deepEqual(
        orgs.map((c: { name: string; departments: Array<{ name: string }> }) => [
          c.name,
          c.departments.map((d) => d.name),
        ]),
        [["Acme", ["ops"]]],
      )
      const users = await admin({ verb: "user.list", department: "ops" })
      assert.deepEqual(users.map((u: { name: string }) => u.name).sort(), ["admin-ops", "alice"])
    })
  })
}
