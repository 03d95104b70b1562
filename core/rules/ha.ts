import { defineRule, type Rule } from "./rule.ts"

/** What the HA restart priority rule looks at: HA as it will be, and the priority asked for (if any). */
export interface HaPriorityChoice {
  readonly haEnabled: boolean
  readonly haPriority: number | undefined
}

/**
 * R12, #16: a restart priority orders the HA VMs of a host that went down; a VM without HA is never restarted
 * elsewhere, so giving it a priority (other than 0) is a mistake to name, not to store silently.
 */
export const haPriorityNeedsHa = <C>(choiceOf: (context: C) => HaPriorityChoice): Rule<C> =>
  defineRule<C>({
    name: "ha-priority-needs-ha",
    features: ["R12"],
    kind: "invalid",
    message: {
      en: "An HA restart priority applies to HA VMs only: turn HA on (in the same request, or first)",
      zh: "高可用重启优先级仅适用于开启高可用的虚拟机，请先（或同时）开启高可用",
    },
    allows: (context) => {
      const { haEnabled, haPriority } = choiceOf(context)
      return haEnabled || haPriority === undefined || haPriority === 0
    },
  })
