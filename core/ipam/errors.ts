import { Schema } from "effect"

/** A subnet has fewer free addresses than a request needs (rule network-free-ips: C6, C8, N1, N3). */
export const NoFreeIps = Schema.TaggedStruct("NoFreeIps", {
  subnetId: Schema.String,
  free: Schema.Number,
  needed: Schema.Number,
})

/** A fixed address that cannot be had (rule fixed-ip-available: C6, N2). */
export const AddressUnavailable = Schema.TaggedStruct("AddressUnavailable", {
  subnetId: Schema.String,
  address: Schema.String,
  verdict: Schema.Literals(["taken", "reserved", "outside", "invalid"]),
})

/** IPAM refused an allocation; nothing was allocated. The operations turn it into the named rule's refusal. */
export class IpamRefusal extends Schema.TaggedError<IpamRefusal>()("IpamRefusal", {
  reason: Schema.Union([NoFreeIps, AddressUnavailable]),
}) {
  get isRetryable() {
    return false
  }
  get rule(): "network-free-ips" | "fixed-ip-available" {
    return this.reason._tag === "NoFreeIps" ? "network-free-ips" : "fixed-ip-available"
  }
}
