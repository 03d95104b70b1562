import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { type ConsoleContext, consoleOffered } from "./console.ts"
import { messageOf } from "./rule.ts"
import { assertAllows, assertRefuses, sampleVm, sampleVmContext } from "./testing.ts"

const console = (overrides: Partial<ConsoleContext> = {}): ConsoleContext => ({
  ...sampleVmContext({ vm: sampleVm({ state: "running" }) }),
  kind: "vnc",
  offered: ["vnc", "serial"],
  ...overrides,
})

describe("console rules", () => {
  it("B5 console-unsupported: allows a console the host's hypervisor offers", () => {
    assertAllows(consoleOffered, console())
    assertAllows(consoleOffered, console({ kind: "serial", offered: ["serial"] }))
  })
  it("B5 console-unsupported: refuses a console the hypervisor does not offer, naming it in both languages", () => {
    const context = console({ kind: "serial", offered: ["vnc"] })
    assertRefuses(consoleOffered, context)
    assert.deepEqual(messageOf(consoleOffered, context), {
      en: "The hypervisor of this VM's host offers no serial console",
      zh: "该虚拟机所在主机的虚拟化平台不提供串口控制台",
    })
  })
  it("B5 console-unsupported: no kind chosen yet (allowed actions), any console will do; none refuses", () => {
    assertAllows(consoleOffered, console({ kind: undefined, offered: ["serial"] }))
    assertRefuses(consoleOffered, console({ kind: undefined, offered: [] }))
  })
})
