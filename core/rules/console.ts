import type { VmContext } from "./context.ts"
import { notRecycled, runningOnly } from "./lifecycle.ts"
import { defineRule, type Rule } from "./rule.ts"

/** B5: the VM's screen (VNC) or its first serial port. */
export type ConsoleKind = "vnc" | "serial"

const consoleNames = { vnc: { en: "VNC", zh: "VNC" }, serial: { en: "serial", zh: "串口" } } as const

/** What the console's rules look at: the VM, the console asked for (none yet: any), those its host's driver offers. */
export interface ConsoleContext extends VmContext {
  readonly kind: ConsoleKind | undefined
  readonly offered: ReadonlyArray<ConsoleKind>
}

/** B5: the hypervisor of the VM's host offers this kind of console (a driver declares vncConsole/serialConsole). */
export const consoleOffered: Rule<ConsoleContext> = defineRule({
  name: "console-unsupported",
  features: ["B5"],
  kind: "conflict",
  message: ({ kind }) =>
    kind === undefined
      ? { en: "The hypervisor of this VM's host offers no console", zh: "该虚拟机所在主机的虚拟化平台不提供控制台" }
      : {
          en: `The hypervisor of this VM's host offers no ${consoleNames[kind].en} console`,
          zh: `该虚拟机所在主机的虚拟化平台不提供${consoleNames[kind].zh}控制台`,
        },
  allows: ({ kind, offered }) => (kind === undefined ? offered.length > 0 : offered.includes(kind)),
})

/** B5: "当且仅当虚拟机处于“运行”状态支持打开控制台", on a hypervisor that offers the console. */
export const consoleRules: ReadonlyArray<Rule<ConsoleContext>> = [notRecycled, runningOnly, consoleOffered]
