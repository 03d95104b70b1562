import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { ApiClient } from "./client.ts"
import { TaskWatch } from "./tasks.ts"
import type { PlatformEvent, Task } from "./types.ts"

const task = (id: string, state: string, operation = "vm.stop") => ({ id, state, operation }) as unknown as Task
const ended = (t: Task) => ({ _tag: "task", task: t }) as unknown as PlatformEvent
const noClient = (): ApiClient => {
  throw new Error("no poll expected")
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe("following started tasks (B1 B2 hx-task-finished)", () => {
  it("a task that ended on the stream before its start was answered is reported when watched, in ending order", async () => {
    const reported: Array<string> = []
    const watch = new TaskWatch(noClient, (t) => reported.push(`${t.operation}:${t.state}`))
    // The stop ends on the stream before the POST's answer (running) reaches the element.
    watch.handle(ended(task("stop-1", "succeeded")))
    watch.watch(task("stop-1", "running"))
    await settle()
    assert.deepEqual(reported, ["vm.stop:succeeded"])
    assert.equal(watch.size, 0)
    // The start is answered first and ends later, the usual way.
    watch.watch(task("start-1", "running", "vm.start"))
    watch.handle(ended(task("start-1", "succeeded", "vm.start")))
    watch.handle(ended(task("start-1", "succeeded", "vm.start")))
    assert.deepEqual(reported, ["vm.stop:succeeded", "vm.start:succeeded"])
    watch.dispose()
  })

  it("running frames and other tasks' ends are not reported; only a bounded number of early ends is kept", async () => {
    const reported: Array<string> = []
    const watch = new TaskWatch(noClient, (t) => reported.push(t.id))
    watch.handle(ended(task("a", "running")))
    for (let i = 0; i < 100; i += 1) watch.handle(ended(task(`other-${i}`, "failed")))
    assert.deepEqual(reported, [])
    watch.watch(task("other-99", "running"))
    await settle()
    assert.deepEqual(reported, ["other-99"])
    // The oldest early ends were let go: that task waits for the poll, not reported from memory.
    watch.watch(task("other-0", "running"))
    await settle()
    assert.deepEqual(reported, ["other-99"])
    assert.equal(watch.size, 1)
    watch.dispose()
  })
})
