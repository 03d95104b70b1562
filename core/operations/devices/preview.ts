import { Effect } from "effect"
import type { Operation } from "../../model/operation.ts"
import type { VmContext } from "../../rules/context.ts"
import { deviceVmRules } from "../../rules/devices.ts"
import type { VmCheck } from "../vm-operation.ts"

type DeviceAction = keyof typeof deviceVmRules

const vmCheck = (action: DeviceAction): VmCheck<"full", void, VmContext> => ({
  operation: `vm.${action}` satisfies Operation,
  reads: "full",
  context: (base) => Effect.succeed(base),
  rules: deviceVmRules[action],
})

/**
 * D4 (X1–X4) before the device, GPU model or disc is chosen: whether the VM itself allows each action now (the
 * detail's buttons). Reads nothing beyond the detail's one statement; the chosen item's rules are the call's.
 */
export const deviceVmChecks = {
  "attach-iso": vmCheck("attach-iso"),
  "detach-iso": vmCheck("detach-iso"),
  "attach-usb": vmCheck("attach-usb"),
  "detach-usb": vmCheck("detach-usb"),
  "attach-gpu": vmCheck("attach-gpu"),
  "detach-gpu": vmCheck("detach-gpu"),
} as const
