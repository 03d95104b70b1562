import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { Effect } from "effect"
import { Store } from "./ports.ts"
import { sampleRows, storeBackends, useStore } from "./testing.ts"

for (const backend of storeBackends) {
  describe(`store on ${backend.name}: tasks`, { skip: backend.skip }, () => {
    const runStore = useStore(backend)

    it("G4 a task is recorded with who, what, when and outcome, and read back as written", () =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          const task = sampleRows.task({
            operation: "vm.create",
            vmId: "vm-without-a-row",
            params: { count: 3, tags: { "app-group": "shop", snake_key: 1 }, names: ["a", "b"] },
          })
          assert.deepEqual(yield* store.tasks.insert(task), task)
          assert.deepEqual(yield* store.tasks.get(task.id), task)
          // The insert answers what a read gives (#12: it sends no row back): JSON fields as JSON keeps them.
          const sparse = sampleRows.task({ params: { kept: 1, dropped: undefined, at: new Date(0) } })
          const answered = yield* store.tasks.insert(sparse)
          assert.deepEqual(answered, yield* store.tasks.get(sparse.id))
          assert.deepEqual(answered.params, { kept: 1, at: "1970-01-01T00:00:00.000Z" })
          const finished = {
            state: "failed" as const,
            progress: 100,
            result: ["partial", 2],
            error: { code: "RuleViolation", rule: "G2", message: "quota exceeded" },
            startedAt: new Date("2026-11-26T10:00:00.000Z"),
            finishedAt: new Date("2026-11-26T10:00:01.500Z"),
          }
          assert.deepEqual(yield* store.tasks.update(task.id, finished), { ...task, ...finished })
          assert.deepEqual(yield* store.tasks.get(task.id), { ...task, ...finished })
          assert.equal((yield* Effect.flip(store.tasks.get("no-such-task")))._tag, "NotFound")
          assert.equal((yield* Effect.flip(store.tasks.update("no-such-task", { progress: 1 })))._tag, "NotFound")
        }),
      ))

    it("G4 tasks list newest first, by VM, batch, state, organisation and user, with a limit", () =>
      runStore(
        Effect.gen(function* () {
          const store = yield* Store
          const scope = sampleRows.task()
          const org = { companyId: scope.companyId, departmentId: scope.departmentId, userId: scope.userId }
          const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 9, minute))
          const batch = yield* store.tasks.insert(sampleRows.task({ ...org, operation: "vm.batch", createdAt: at(0) }))
          const children = [1, 2, 3].map((minute) =>
            sampleRows.task({
              ...org,
              parentId: batch.id,
              vmId: `vm-${minute}`,
              state: minute === 3 ? "running" : "succeeded",
              createdAt: at(minute),
            }),
          )
          for (const child of children) yield* store.tasks.insert(child)
          const [first, second, third] = children
          assert.ok(first && second && third)
          const someoneElse = yield* store.tasks.insert(sampleRows.task({ createdAt: at(30) }))

          const ids = (tasks: ReadonlyArray<{ readonly id: string }>) => tasks.map((task) => task.id)
          assert.deepEqual(ids(yield* store.tasks.list({ departmentId: org.departmentId })), [
            third.id,
            second.id,
            first.id,
            batch.id,
          ])
          assert.deepEqual(ids(yield* store.tasks.list({ parentId: batch.id })), [third.id, second.id, first.id])
          assert.deepEqual(ids(yield* store.tasks.list({ vmId: "vm-2" })), [second.id])
          assert.deepEqual(ids(yield* store.tasks.list({ userId: org.userId, states: ["running"] })), [third.id])
          assert.deepEqual(ids(yield* store.tasks.list({ companyId: org.companyId, limit: 2 })), [third.id, second.id])
          assert.deepEqual(yield* store.tasks.list({ companyId: org.companyId, states: [] }), [])
          const all = ids(yield* store.tasks.list())
          assert.ok(all.indexOf(someoneElse.id) < all.indexOf(third.id))
        }),
      ))
  })
}
