import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { storeBackends } from "../../core/store/testing.ts"
import { useAgent } from "../testing/harness.ts"

for (const backend of storeBackends) {
  describe(`G1 G2 the organisation through the API on ${backend.name}`, { skip: backend.skip }, () => {
    const agent = useAgent(backend)
    const ops = () => agent.world.departments[0].id
    const sales = () => agent.world.departments[1].id
    const refusal = (reply: { status: number; body: { error?: { rule?: string } } }) =>
      `${reply.status} ${reply.body.error?.rule ?? ""}`.trim()

    it("G2 a superadmin sets a department's quota; its admin reads quota, use and what is left, and may not raise it; the create API holds it", async () => {
      const usage = (await agent.call("GET", `/api/v1/departments/${ops()}`, { as: "admin" })).body.usage
      const quota = { cpus: null, memoryMiB: null, diskGiB: null, vmCount: usage.vmCount + 1 }
      const denied = await agent.call("PUT", `/api/v1/departments/${ops()}/quota`, { as: "admin", body: quota })
      assert.equal(refusal(denied), "403 superadmin-only")
      const set = await agent.call("PUT", `/api/v1/departments/${ops()}/quota`, { as: "superadmin", body: quota })
      assert.equal(set.status, 200)
      const seen = (await agent.call("GET", "/api/v1/departments", { as: "admin" })).body.items
      assert.deepEqual(
        seen.map((d: { id: string }) => d.id),
        [ops()],
        "an admin sees their own department only",
      )
      assert.deepEqual(seen[0].quota, quota)
      assert.equal(seen[0].remaining.vmCount, 1)
      assert.equal(seen[0].remaining.cpus, null, "unlimited")
      const body = { imageId: agent.world.image.id, flavorId: agent.world.flavor.id, start: false }
      const first = await agent.call("POST", "/api/v1/vms", { body: { ...body, name: "quota_ok" } })
      assert.equal(first.status, 202)
      await agent.settle(first.body.tasks[0].id)
      const second = await agent.call("POST", "/api/v1/vms", { body: { ...body, name: "quota_over" } })
      assert.equal(refusal(second), "409 quota-vm-count")
      const after = (await agent.call("GET", `/api/v1/departments/${ops()}`, { as: "owner" })).body
      assert.equal(after.remaining.vmCount, 0)
      const unlimited = { cpus: null, memoryMiB: null, diskGiB: null, vmCount: null }
      await agent.call("PUT", `/api/v1/departments/${ops()}/quota`, { as: "superadmin", body: unlimited })
      const bad = await agent.call("PUT", `/api/v1/departments/${ops()}/quota`, {
        as: "superadmin",
        body: { ...unlimited, cpus: -1 },
      })
      assert.equal(bad.status, 400, "a negative quota is bad input")
    })

    it("G1 R5 departments: a superadmin opens one; its admin sets the reclaim policy; a plain user and another department's admin may not", async () => {
      const opened = await agent.call("POST", "/api/v1/departments", {
        as: "superadmin",
        body: { companyId: agent.world.users.admin.companyId, name: "research" },
      })
      assert.equal(opened.status, 201)
      assert.equal(opened.body.reclaimPolicy, "notify-only")
      assert.equal(opened.body.quota.vmCount, null)
      const byAdmin = await agent.call("POST", "/api/v1/departments", {
        as: "admin",
        body: { companyId: agent.world.users.admin.companyId, name: "shadow" },
      })
      assert.equal(refusal(byAdmin), "403 superadmin-only")
      const policy = { reclaimPolicy: "stop", reclaimNoticeDays: 7 }
      const edited = await agent.call("PATCH", `/api/v1/departments/${ops()}`, { as: "admin", body: policy })
      assert.equal(edited.status, 200)
      assert.equal(edited.body.reclaimPolicy, "stop")
      assert.equal(edited.body.reclaimNoticeDays, 7)
      const byUser = await agent.call("PATCH", `/api/v1/departments/${ops()}`, { as: "owner", body: policy })
      assert.equal(refusal(byUser), "403 admin-only")
      const byOutsider = await agent.call("PATCH", `/api/v1/departments/${ops()}`, { as: "outsider", body: policy })
      assert.equal(byOutsider.status, 404, "another department's admin does not learn it exists")
      const unknownPolicy = await agent.call("PATCH", `/api/v1/departments/${ops()}`, {
        as: "admin",
        body: { reclaimPolicy: "burn" },
      })
      assert.equal(unknownPolicy.status, 400)
    })

    it("G1 users: an admin adds to their own department, not a superadmin, not elsewhere; an address is taken once even by parallel requests", async () => {
      const made = await agent.call("POST", "/api/v1/users", {
        as: "admin",
        body: { name: "dana", email: "dana@example.test", role: "user", departmentId: ops() },
      })
      assert.equal(made.status, 201)
      assert.equal(made.body.departmentId, ops())
      const tooHigh = await agent.call("POST", "/api/v1/users", {
        as: "admin",
        body: { name: "eve", email: "eve@example.test", role: "superadmin", departmentId: ops() },
      })
      assert.equal(refusal(tooHigh), "403 role-within-reach")
      const elsewhere = await agent.call("POST", "/api/v1/users", {
        as: "admin",
        body: { name: "finn", email: "finn@example.test", role: "user", departmentId: sales() },
      })
      assert.equal(elsewhere.status, 404)
      const byUser = await agent.call("POST", "/api/v1/users", {
        as: "owner",
        body: { name: "gus", email: "gus@example.test", role: "user", departmentId: ops() },
      })
      assert.equal(refusal(byUser), "403 admin-only")
      const burst = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          agent.call("POST", "/api/v1/users", {
            as: "superadmin",
            body: { name: `twin${n}`, email: "twin@example.test", role: "user", departmentId: sales() },
          }),
        ),
      )
      assert.deepEqual(burst.map(refusal).sort(), ["201", ...Array(7).fill("409 email-taken")])
      const mine = (await agent.call("GET", "/api/v1/users", { as: "owner" })).body.items
      assert.deepEqual(
        mine.map((u: { id: string }) => u.id),
        [agent.world.users.owner.id],
        "a plain user sees only themself",
      )
      const department = (await agent.call("GET", "/api/v1/users", { as: "admin" })).body.items
      assert.ok(department.every((u: { departmentId: string }) => u.departmentId === ops()))
      assert.ok(department.some((u: { name: string }) => u.name === "dana"))
    })

    it("G1 tokens: issued with an expiry and shown once, listed without secrets, revoked at once; only for users in one's scope", async () => {
      const issued = await agent.call("POST", "/api/v1/tokens", { as: "owner", body: { name: "ci", expiresDays: 30 } })
      assert.equal(issued.status, 201)
      const secret: string = issued.body.secret
      const days = (Date.parse(issued.body.token.expiresAt) - Date.now()) / 86_400_000
      assert.ok(days > 29.9 && days <= 30, `expires in 30 days, not ${days}`)
      const withIt = await agent.call("GET", "/api/v1/vms", { authorization: `Bearer ${secret}` })
      assert.equal(withIt.status, 200)
      const listed = (await agent.call("GET", "/api/v1/tokens", { as: "owner" })).body.items
      const entry = listed.find((t: { id: string }) => t.id === issued.body.token.id)
      assert.equal(entry?.name, "ci")
      assert.ok(!JSON.stringify(listed).includes(secret) && !("secretHash" in entry), "no secret and no hash")
      const forOwner = await agent.call("POST", "/api/v1/tokens", {
        as: "admin",
        body: { name: "for-owner", userId: agent.world.users.owner.id },
      })
      assert.equal(forOwner.status, 201, "an admin issues for a user of their department")
      const byOutsider = await agent.call("POST", "/api/v1/tokens", {
        as: "outsider",
        body: { name: "x", userId: agent.world.users.owner.id },
      })
      assert.equal(byOutsider.status, 404)
      const upward = await agent.call("POST", "/api/v1/tokens", {
        as: "owner",
        body: { name: "x", userId: agent.world.users.admin.id },
      })
      assert.equal(upward.status, 404, "a user issues for nobody else")
      const revokedByOutsider = await agent.call("DELETE", `/api/v1/tokens/${issued.body.token.id}`, { as: "outsider" })
      assert.equal(revokedByOutsider.status, 404)
      const revoked = await agent.call("DELETE", `/api/v1/tokens/${issued.body.token.id}`, { as: "owner" })
      assert.equal(revoked.status, 204)
      const after = await agent.call("GET", "/api/v1/vms", { authorization: `Bearer ${secret}` })
      assert.equal(after.status, 401)
    })

    it("#21 portal sign-in: an admin mints a user a token with a TTL in seconds; it acts as that user, is hashed and listed like any token, and stops at its expiry", async () => {
      const owner = agent.world.users.owner.id
      const before = Date.now()
      const minted = await agent.call("POST", "/api/v1/tokens", {
        as: "admin",
        body: { name: "portal session", userId: owner, ttlSeconds: 5 },
      })
      assert.equal(minted.status, 201)
      const secret: string = minted.body.secret
      const expiresAt = Date.parse(minted.body.token.expiresAt)
      assert.ok(expiresAt >= before + 5_000 && expiresAt <= Date.now() + 5_000, "expires 5 s after it was minted")
      assert.equal(minted.body.token.userId, owner)
      const asIt = await agent.call("GET", "/api/v1/users", { authorization: `Bearer ${secret}` })
      assert.deepEqual(
        asIt.body.items.map((u: { id: string }) => u.id),
        [owner],
        "the user's scope, not the admin's who minted it",
      )
      assert.equal((await agent.call("GET", "/api/v1/vms", { authorization: `Bearer ${secret}` })).status, 200)
      const listed = (await agent.call("GET", `/api/v1/tokens?userId=${owner}`, { as: "admin" })).body.items
      const entry = listed.find((t: { id: string }) => t.id === minted.body.token.id)
      assert.ok(entry?.lastUsedAt !== null, "its use is recorded like any token's")
      assert.ok(!JSON.stringify(listed).includes(secret), "never its secret")
      for (const body of [
        { name: "x", ttlSeconds: 4 },
        { name: "x", ttlSeconds: 86_401 },
        { name: "x", ttlSeconds: 60, expiresDays: 1 },
      ]) {
        const bad = await agent.call("POST", "/api/v1/tokens", { as: "admin", body })
        assert.equal(bad.status, 400, JSON.stringify(body))
      }
      const outsider = await agent.call("POST", "/api/v1/tokens", {
        as: "outsider",
        body: { name: "x", userId: owner, ttlSeconds: 60 },
      })
      assert.equal(outsider.status, 404, "only for users in one's scope")
      // Expiry: the same secret is refused once its time has passed (the verified-token cache checks it too).
      let status = 200
      while (status === 200 && Date.now() < expiresAt + 3_000) {
        status = (await agent.call("GET", "/api/v1/vms", { authorization: `Bearer ${secret}` })).status
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 200))
      }
      assert.equal(status, 401)
      assert.ok(Date.now() >= expiresAt, "refused at its expiry, not before")
    })

    it("G1 companies: a superadmin adds one, its number unique; an admin sees their own only and may not add", async () => {
      const made = await agent.call("POST", "/api/v1/companies", {
        as: "superadmin",
        body: { name: "Globex", number: "77" },
      })
      assert.equal(made.status, 201)
      const again = await agent.call("POST", "/api/v1/companies", {
        as: "superadmin",
        body: { name: "G2", number: "77" },
      })
      assert.equal(refusal(again), "409 company-number-taken")
      const byAdmin = await agent.call("POST", "/api/v1/companies", { as: "admin", body: { name: "X", number: "78" } })
      assert.equal(refusal(byAdmin), "403 superadmin-only")
      const seen = (await agent.call("GET", "/api/v1/companies", { as: "admin" })).body.items
      assert.deepEqual(
        seen.map((c: { id: string }) => c.id),
        [agent.world.users.admin.companyId],
      )
    })

    it("G1 C3 the catalogue: a superadmin adds a flavor and retires it: new VMs may not have it, a VM that has it keeps it; retired images likewise", async () => {
      const body = { name: "m1.small", cpus: 1, memoryMiB: 128, perDay: 250 }
      assert.equal(refusal(await agent.call("POST", "/api/v1/flavors", { as: "admin", body })), "403 superadmin-only")
      const made = await agent.call("POST", "/api/v1/flavors", { as: "superadmin", body })
      assert.equal(made.status, 201)
      const flavorId = made.body.id
      const create = (name: string, ids: { flavorId: string; imageId: string }) =>
        agent.call("POST", "/api/v1/vms", { body: { ...ids, name, start: false } })
      const ok = await create("flavor_kept", { flavorId, imageId: agent.world.image.id })
      assert.equal(ok.status, 202)
      await agent.settle(ok.body.tasks[0].id)
      const retired = await agent.call("PUT", `/api/v1/flavors/${flavorId}/retired`, { as: "superadmin" })
      assert.equal(retired.status, 200)
      assert.notEqual(retired.body.retiredAt, null)
      const listed = (await agent.call("GET", "/api/v1/flavors")).body.items.map((f: { id: string }) => f.id)
      assert.ok(!listed.includes(flavorId), "a retired flavor is not on offer")
      const all = (await agent.call("GET", "/api/v1/flavors?retired=true", { as: "superadmin" })).body.items
      assert.ok(
        all.some((f: { id: string }) => f.id === flavorId),
        "a superadmin can still see it",
      )
      assert.equal(
        refusal(await create("flavor_new", { flavorId, imageId: agent.world.image.id })),
        "409 flavor-retired",
      )
      const kept = (await agent.call("GET", `/api/v1/vms/${ok.body.vmIds[0]}`)).body.vm
      assert.equal(kept.flavorId, flavorId, "the VM that has it keeps it")
      await agent.call("DELETE", `/api/v1/flavors/${flavorId}/retired`, { as: "superadmin" })
      const back = await create("flavor_back", { flavorId, imageId: agent.world.image.id })
      assert.equal(back.status, 202)
      await agent.settle(back.body.tasks[0].id)

      const imageId = agent.world.image.id
      assert.equal(
        refusal(await agent.call("PUT", `/api/v1/images/${imageId}/retired`, { as: "admin" })),
        "403 superadmin-only",
      )
      await agent.call("PUT", `/api/v1/images/${imageId}/retired`, { as: "superadmin" })
      try {
        const images = (await agent.call("GET", "/api/v1/images")).body.items.map((i: { id: string }) => i.id)
        assert.ok(!images.includes(imageId))
        assert.equal(
          refusal(await create("image_new", { flavorId: agent.world.flavor.id, imageId })),
          "409 image-retired",
        )
      } finally {
        await agent.call("DELETE", `/api/v1/images/${imageId}/retired`, { as: "superadmin" })
      }
    })
  })
}
