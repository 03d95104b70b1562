import type { Host } from "../model/host.ts"
import { defineRule, type Rule } from "./rule.ts"

/** What placement found for a create: the chosen host, if any host has room for the whole batch. */
export interface PlacementContext {
  readonly host: Host | undefined
  readonly count: number
}

/** C3, C8: the batch is placed whole on one host with room for it (dedicated or the one with most free resources). */
export const hostAvailable: Rule<PlacementContext> = defineRule({
  name: "no-host-capacity",
  features: ["C3", "C8"],
  kind: "conflict",
  message: ({ count }) => ({
    en: `No available host has room for ${count} VM(s) of this flavor`,
    zh: `没有可用资源足够的主机来创建 ${count} 台该规格的虚拟机`,
  }),
  allows: ({ host }) => host !== undefined,
})

/** Checked after createRules, once placement has chosen (or failed to choose) a host. */
export const placementRules: ReadonlyArray<Rule<PlacementContext>> = [hostAvailable]
