import assert from "node:assert/strict"
import { randomUUID } from "node:crypto"
import { describe, it } from "node:test"
import { killAgent, usePair } from "./testing.ts"

const adminUrl = process.env.TEST_DATABASE_URL ?? ""
const skip = adminUrl === "" ? "TEST_DATABASE_URL not set" : false

interface Outcome {
  readonly vmId: string
  readonly status: string
  readonly taskId?: string
  readonly rule?: string
  readonly message?: string
}

describe("a batch over VMs of several hosts (#16, L7)", { skip }, () => {
  const pairOf = usePair(adminUrl, "hx-cluster-batch-")

  const batch = async (body: unknown, lang = "en") => {
    const answer = await pairOf().api(pairOf().originA, "POST", "/batch", body, { "Accept-Language": lang })
    assert.equal(answer.status, 202, JSON.stringify(answer.body))
    return { task: answer.body.task, outcomes: answer.body.outcomes as Array<Outcome> }
  }
  const state = async (vmId: string) =>
    (await pairOf().api(pairOf().originA, "GET", `/vms/${vmId}`)).body.vm.state as string

  it("#16 L7 each VM's item runs on its host's agent; outcomes per item in the asked order, children of one batch", async () => {
    const pair = pairOf()
    const onA = await pair.vmOn(pair.hostA, "batch_a")
    const onB = await pair.vmOn(pair.hostB, "batch_b")
    const onB2 = await pair.vmOn(pair.hostB, "batch_b2")
    const unknown = randomUUID()
    const stopped = await batch({ action: "stop", force: true, vmIds: [onB, unknown, onA, onB2] })
    assert.deepEqual(
      stopped.outcomes.map((o) => [o.vmId, o.status]),
      [
        [onB, "accepted"],
        [unknown, "not-found"],
        [onA, "accepted"],
        [onB2, "accepted"],
      ],
    )
    for (const outcome of stopped.outcomes) {
      if (outcome.taskId !== undefined) assert.equal(await pair.settled(outcome.taskId), "succeeded")
    }
    for (const vmId of [onA, onB, onB2]) assert.equal(await state(vmId), "stopped")
    const children = await pair.api(pair.originA, "GET", `/tasks?parentId=${stopped.task.id}`)
    assert.deepEqual(
      children.body.items.map((t: { vmId: string }) => t.vmId).sort(),
      [onA, onB, onB2].sort(),
      "B's tasks are children of the batch asked on A",
    )
    const parent = await pair.api(pair.originA, "GET", `/tasks/${stopped.task.id}`)
    assert.equal(parent.body.state, "succeeded")

    // Each host refuses its stopped VM by the rule; B's message is in the caller's language too.
    const mixed = await batch({ action: "stop", vmIds: [onA, onB] }, "zh")
    assert.deepEqual(
      mixed.outcomes.map((o) => [o.status, o.rule]),
      [
        ["refused", "lifecycle-state"],
        ["refused", "lifecycle-state"],
      ],
    )
    assert.match(mixed.outcomes[1]?.message ?? "", /虚拟机/)
  })

  it("#16 B6 a batch stop's detachDevices reaches the other host's agent, which refuses it as this one does", async () => {
    const pair = pairOf()
    const onB = await pair.vmOn(pair.hostB, "options_b")
    const stop = await batch({ action: "stop", vmIds: [onB], detachDevices: true })
    assert.deepEqual(
      stop.outcomes.map((o) => [o.status, o.rule]),
      [["refused", "detach-devices-single-stop"]],
    )
    assert.equal(await state(onB), "running", "the refused stop did nothing")
  })

  it("#16 L7 the items of a host whose agent does not answer are refused host-unreachable; the rest proceed", async () => {
    const pair = pairOf()
    const onA = await pair.vmOn(pair.hostA, "alone_a")
    const onB = await pair.vmOn(pair.hostB, "silent_b")
    killAgent(pair.b)
    const started = await batch({ action: "reboot", force: true, vmIds: [onA, onB] })
    const [first, second] = started.outcomes
    assert.equal(first?.status, "accepted")
    assert.deepEqual([second?.status, second?.rule], ["refused", "host-unreachable"])
    assert.equal(await pair.settled(first?.taskId ?? ""), "succeeded")
    assert.equal(await state(onB), "running", "nothing was done to B's VM")
  })
})
