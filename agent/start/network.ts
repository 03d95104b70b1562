import { join } from "node:path"
import { linuxNetLayer } from "../../plugins/linux-net/linux-net.ts"
import type { NetworkConfig } from "./config.ts"
import { findProgram } from "./hypervisor.ts"
import { StartError } from "./start-error.ts"

/** What host networking runs on this host, with the Debian package that brings it. */
const tools = [
  { program: "ip", packageName: "iproute2" },
  { program: "nft", packageName: "nftables" },
  { program: "dnsmasq", packageName: "dnsmasq-base" },
] as const

/**
 * #15: plugins/linux-net as the agent's HostNetwork, its dnsmasq files in `<data>/net`. Refuses to start without the
 * tools or without root (bridges, taps and the firewall need CAP_NET_ADMIN), naming what to install.
 */
export const hostNetworkLayer = (config: NetworkConfig, dataRoot: string) => {
  const missing = tools.filter((tool) => findProgram(tool.program) === undefined)
  if (missing.length > 0) {
    throw new StartError(
      `HYPERX_NETWORK=linux needs ${missing.map((tool) => tool.program).join(", ")}: ` +
        `sudo apt-get install -y ${missing.map((tool) => tool.packageName).join(" ")}`,
    )
  }
  if (process.getuid?.() !== 0) {
    throw new StartError("HYPERX_NETWORK=linux makes bridges, taps and firewall rules: run the agent as root")
  }
  return linuxNetLayer({
    stateDir: join(dataRoot, "net"),
    ...(config.netns === undefined ? {} : { netns: config.netns }),
    ...(config.prefix === undefined ? {} : { prefix: config.prefix }),
  })
}
