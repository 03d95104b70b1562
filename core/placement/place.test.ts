import assert from "node:assert/strict"
import { describe, it } from "node:test"
import type { Candidate, PlacementRequest } from "./candidate.ts"
import { chooseHost, hostFits } from "./choose-host.ts"
import { type Placement, place } from "./place.ts"
import { placementRefusal } from "./refusal.ts"
import { candidate } from "./testing.ts"

const small: PlacementRequest = { cpus: 2, memoryMiB: 2048, count: 1, departmentId: "dept-1", dedicated: false }

const placedOn = (p: Placement) => (p._tag === "Placed" ? p.host.id : `refused by ${p.refusedBy.rule}`)
const refusal = (p: Placement) => {
  assert.equal(p._tag, "Refused")
  return {
    rule: p._tag === "Refused" ? p.refusedBy.rule : "",
    excluded: Object.fromEntries(p.excluded.map((e) => [e.constraint.rule, e.hostIds])),
  }
}

describe("placement", () => {
  it("C3 takes the host with the most free memory, then CPUs, then the smallest id", () => {
    const hosts = [
      candidate("a", {}, { memoryMiBUsed: 8192 }),
      candidate("b", {}, { memoryMiBUsed: 1024, cpusUsed: 4 }),
      candidate("c", {}, { memoryMiBUsed: 1024, cpusUsed: 2 }),
      candidate("d", {}, { memoryMiBUsed: 1024, cpusUsed: 2 }),
    ]
    assert.equal(placedOn(place(hosts, small)), "c")
  })

  it("C3 C8 counts overcommit of CPUs and memory, and needs room for the whole batch", () => {
    const host = candidate("a", { cpus: 2, memoryMiB: 1000, cpuOvercommitPercent: 400, memoryOvercommitPercent: 150 })
    assert.equal(placedOn(place([host], { ...small, cpus: 1, memoryMiB: 100, count: 8 })), "a")
    assert.deepEqual(refusal(place([host], { ...small, cpus: 1, memoryMiB: 100, count: 9 })), {
      rule: "no-host-capacity",
      excluded: { "no-host-capacity": ["a"] },
    })
    assert.deepEqual(refusal(place([host], { ...small, cpus: 1, memoryMiB: 1501, count: 1 })).rule, "no-host-capacity")
  })

  it("R12 never places on a host in maintenance, suspect or down, and says which were ruled out for it", () => {
    const hosts = [
      candidate("m", {}, { state: "maintenance" }),
      candidate("s", {}, { state: "suspect" }),
      candidate("d", {}, { state: "down" }),
      candidate("full", {}, { memoryMiBUsed: 16000 }),
    ]
    assert.deepEqual(refusal(place(hosts, small)), {
      rule: "no-host-capacity",
      excluded: { "no-host-up": ["m", "s", "d"], "no-host-capacity": ["full"] },
    })
    assert.equal(refusal(place(hosts.slice(0, 3), small)).rule, "no-host-up")
    assert.equal(placedOn(place([...hosts, candidate("ok", {}, { memoryMiBUsed: 14000 })], small)), "ok")
  })

  it("D2 keeps to the zone asked for", () => {
    const hosts = [candidate("a", { zone: "z1" }), candidate("b", { zone: "z2" }, { memoryMiBUsed: 8000 })]
    assert.equal(placedOn(place(hosts, { ...small, zone: "z2" })), "b")
    assert.equal(refusal(place(hosts, { ...small, zone: "z3" })).rule, "no-host-in-zone")
  })

  it("C3 a department with dedicated hosts places there when asked; one without falls back to the freest host", () => {
    const hosts = [
      candidate("shared", {}, {}),
      candidate("mine", { dedicatedDepartmentId: "dept-1" }, { memoryMiBUsed: 8000 }),
      candidate("theirs", { dedicatedDepartmentId: "dept-2" }),
    ]
    assert.equal(placedOn(place(hosts, { ...small, dedicated: true })), "mine")
    // Not asked: shared hosts first, even with less room; the department's own only when no shared host can.
    assert.equal(placedOn(place(hosts, small)), "shared")
    assert.equal(placedOn(place(hosts.slice(1), small)), "mine")
    // dept-3 owns none: "dedicated" has no effect, and another department's host is never used.
    const other = place(hosts, { ...small, departmentId: "dept-3", dedicated: true })
    assert.equal(placedOn(other), "shared")
    assert.deepEqual(
      other.excluded.map((e) => [e.constraint.rule, e.hostIds]),
      [["no-dedicated-host", ["mine", "theirs"]]],
    )
    // Its dedicated hosts full: refused rather than spilled onto shared hosts.
    const full = [hosts[0] as Candidate, candidate("mine", { dedicatedDepartmentId: "dept-1" }, { cpusUsed: 8 })]
    assert.deepEqual(refusal(place(full, { ...small, dedicated: true })), {
      rule: "no-host-capacity",
      excluded: { "no-dedicated-host": ["shared"], "no-host-capacity": ["mine"] },
    })
  })

  it("C4 places a VM only on a host that carries every network it needs", () => {
    const hosts = [
      candidate("a", {}, { networkIds: ["n1"] }),
      candidate("b", {}, { networkIds: ["n1", "n2"], cpusUsed: 6 }),
    ]
    assert.equal(placedOn(place(hosts, { ...small, networkIds: ["n1", "n2"] })), "b")
    assert.equal(refusal(place(hosts, { ...small, networkIds: ["n3"] })).rule, "no-host-network")
  })

  it("X1 X4 needs free GPUs and USB devices when asked, one set per VM of the batch", () => {
    const hosts = [candidate("gpu", {}, { gpusFree: 2, usbFree: 0 }), candidate("usb", {}, { usbFree: 1 })]
    assert.equal(placedOn(place(hosts, { ...small, gpus: 1, count: 2 })), "gpu")
    assert.equal(placedOn(place(hosts, { ...small, usb: 1 })), "usb")
    assert.deepEqual(refusal(place(hosts, { ...small, gpus: 1, count: 3 })), {
      rule: "no-host-device",
      excluded: { "no-host-device": ["gpu", "usb"] },
    })
  })

  it("R10 affinity joins the group's host; anti-affinity keeps apart, and a batch cannot be kept apart", () => {
    const hosts = [
      candidate("a", {}, { groupIds: new Set(["together", "apart"]), memoryMiBUsed: 8000 }),
      candidate("b", {}, { groupIds: new Set(["apart-2"]) }),
      candidate("c", {}, { memoryMiBUsed: 4000 }),
    ]
    const together = { id: "together", policy: "affinity" } as const
    const apart = { id: "apart", policy: "anti-affinity" } as const
    assert.equal(placedOn(place(hosts, { ...small, groups: [together] })), "a")
    assert.equal(placedOn(place(hosts, { ...small, groups: [{ id: "new", policy: "affinity" }] })), "b")
    assert.equal(placedOn(place(hosts, { ...small, groups: [apart] })), "b")
    assert.equal(placedOn(place(hosts, { ...small, groups: [apart, { id: "apart-2", policy: "anti-affinity" }] })), "c")
    assert.deepEqual(refusal(place(hosts, { ...small, groups: [together, apart] })), {
      rule: "anti-affinity-group",
      excluded: { "affinity-group": ["b", "c"], "anti-affinity-group": ["a"] },
    })
    assert.equal(
      refusal(place(hosts, { ...small, count: 2, groups: [{ id: "x", policy: "anti-affinity" }] })).rule,
      "anti-affinity-group",
    )
  })

  it("C3 chooseHost and hostFits (create's admission) agree with place", () => {
    const loads = [
      candidate("a", {}, { cpusUsed: 30 }),
      candidate("b", { cpuOvercommitPercent: 400 }, { cpusUsed: 30 }),
    ]
    const demand = { ...small, cpus: 2 }
    assert.equal(chooseHost(loads, demand)?.id, "b")
    assert.deepEqual(
      loads.map((l) => hostFits(l, demand)),
      [false, true],
    )
    assert.equal(chooseHost([candidate("x", { state: "maintenance" })], demand), undefined)
  })
})

describe("placement refusals", () => {
  it("#16 name the rule and say which constraint ruled out which hosts, in English and Chinese", () => {
    const placement = place(
      [candidate("m", {}, { state: "maintenance" }), candidate("full", {}, { cpusUsed: 8 })],
      small,
    )
    assert.equal(placement._tag, "Refused")
    if (placement._tag !== "Refused") return
    const refusal = placementRefusal("vm.create", placement)
    assert.deepEqual([refusal.rule, refusal.kind], ["no-host-capacity", "conflict"])
    assert.equal(
      refusal.message,
      "No host can take the VM(s); ruled out by state (maintenance, suspect or down): m; capacity: full",
    )
    assert.equal(
      refusal.messageZh,
      "没有主机可以容纳该虚拟机；排除原因：主机状态（维护、疑似故障或故障）：m；资源容量：full",
    )
    assert.equal(placementRefusal("vm.create", place([], small) as never).message, "No host is registered")
  })
})
