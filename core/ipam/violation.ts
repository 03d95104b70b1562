import type { RuleViolation } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import { fixedIpAvailable, networkFreeIps } from "../rules/networks.ts"
import { violation } from "../rules/rule.ts"
import type { IpamRefusal } from "./errors.ts"

/**
 * IPAM's refusal as the named rule's refusal, for the API: `network-free-ips` (C6, C8, N1, N3, R8) or
 * `fixed-ip-available` (C6, N2), with the same messages the rules give when checked beforehand. IPAM decides under
 * its lock, so a check that passed a moment earlier can still end here when another request took the addresses.
 * `nameOf` names a subnet's network for the message.
 */
export const ipamViolation = (
  operation: Operation,
  refusal: IpamRefusal,
  nameOf: (subnetId: string) => string,
): RuleViolation => {
  const reason = refusal.reason
  if (reason._tag === "NoFreeIps") {
    const context = { subnets: [{ name: nameOf(reason.subnetId), freeIps: reason.free }], needed: reason.needed }
    return violation(
      operation,
      networkFreeIps((c: typeof context) => c),
      context,
    )
  }
  const context = [{ address: reason.address, inSubnet: reason.verdict === "taken", free: false }]
  return violation(
    operation,
    fixedIpAvailable((c: typeof context) => c),
    context,
  )
}
