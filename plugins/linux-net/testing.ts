/**
 * Test helpers: network namespaces the test makes (and removes), commands inside them, and "clients" — a namespace
 * joined to a bridge by a veth pair, which DHCP and the firewall treat like a guest's NIC without booting one.
 */
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { rmSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"

/** Why these tests cannot run here (they need root and ip, nft, dnsmasq), or false. */
export const netnsSkip = (): string | false => {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)"
  for (const tool of ["ip", "nft", "dnsmasq", "busybox"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" })
    } catch {
      return `${tool} is not installed`
    }
  }
  return false
}

/** A skip reason, or false; under CI=true never a skip (a missing tool fails the run). */
export const netnsSkipUnlessCi = (): string | false => (process.env.CI === "true" ? false : netnsSkip())

export const uniqueName = (prefix: string) => `${prefix}${randomBytes(3).toString("hex")}`

/** A shell command in a namespace; killed (and failing) after `timeoutMs`, so a test fails rather than hangs. */
export const sh = (netns: string, command: string, timeoutMs = 60_000): string =>
  execFileSync("ip", ["netns", "exec", netns, "sh", "-c", command], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  })

/** Exit status of a command in a namespace (0 = success), never throwing. */
export const status = (netns: string, command: string): number => {
  try {
    sh(netns, command)
    return 0
  } catch (error) {
    const code = (error as { status?: number }).status ?? 1
    // "not found" would make every "cannot reach" assertion pass for the wrong reason
    if (code === 126 || code === 127) throw new Error(`cannot run in ${netns}: ${command}`)
    return code
  }
}

export const addNetns = (name: string) => {
  execFileSync("ip", ["netns", "add", name])
  execFileSync("ip", ["-n", name, "link", "set", "lo", "up"])
}

export const deleteNetns = (name: string) => {
  try {
    execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .forEach((pid) => {
        try {
          process.kill(Number(pid), "SIGKILL")
        } catch {}
      })
    execFileSync("ip", ["netns", "del", name])
  } catch {}
}

/**
 * A "host" namespace and an "outside" one it reaches through its device up0: 192.0.2.1 ↔ 192.0.2.2 (TEST-NET-1,
 * never routed anywhere else). The outside has no route back to guest subnets: an answer proves masquerading.
 */
export const addHostWithOutside = (hostNs: string, outsideNs: string) => {
  addNetns(hostNs)
  addNetns(outsideNs)
  sh(
    hostNs,
    `ip link add up0 type veth peer name out0 netns ${outsideNs} && ip addr add 192.0.2.1/24 dev up0 && ip link set up0 up`,
  )
  sh(outsideNs, "ip addr add 192.0.2.2/24 dev out0 && ip link set out0 up")
}

export const netnsExists = (name: string) => execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).includes(name)

/** Links in a namespace whose names start with `prefix`. */
export const linksWithPrefix = (netns: string, prefix: string): ReadonlyArray<string> =>
  (
    JSON.parse(execFileSync("ip", ["-n", netns, "-j", "link", "show"], { encoding: "utf8" })) as Array<{
      ifname: string
    }>
  )
    .map((link) => link.ifname)
    .filter((name) => name.startsWith(prefix))

/**
 * A client namespace with one interface `eth0` (MAC given) whose peer `peer` is a port of `bridge` in `hostNs`.
 * The peer is marked like a tap is not: sync never sees it; the test removes it with the namespace.
 */
export const addClient = async (hostNs: string, client: string, bridge: string, peer: string, mac: string) => {
  addNetns(client)
  execFileSync("ip", ["-n", hostNs, "link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", client])
  execFileSync("ip", ["-n", client, "link", "set", "eth0", "address", mac, "up"])
  execFileSync("ip", ["-n", hostNs, "link", "set", peer, "master", bridge, "up"])
  // a bridge whose first port just came up gets its carrier a moment later; until then it sends nothing
  await eventually(`${bridge} has a carrier`, () =>
    /"operstate":"UP"/.test(
      execFileSync("ip", ["-n", hostNs, "-j", "link", "show", "dev", bridge], { encoding: "utf8" }),
    ),
  )
}

/** The lease udhcpc gets in a client namespace, applied to eth0 (busybox's default script is not installed). */
export const dhcpClient = (client: string): string => {
  const script = `/tmp/hyperx-udhcpc-test-${process.pid}.sh`
  execFileSync("sh", [
    "-c",
    `cat > ${script} <<'EOF'\n#!/bin/sh\ncase "$1" in bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/\${mask:-24}" dev "$interface"; for r in $router; do ip route replace default via "$r"; break; done; echo "$ip" ;; esac\nEOF\nchmod +x ${script}`,
  ])
  let output = ""
  try {
    output = sh(client, `busybox udhcpc -n -q -f -t 4 -T 1 -i eth0 -s ${script}`, 20_000)
  } catch {
    return ""
  } finally {
    rmSync(script, { force: true })
  }
  return (
    output
      .trim()
      .split("\n")
      .filter((line) => /^\d+\.\d+\.\d+\.\d+$/.test(line))
      .at(-1) ?? ""
  )
}

/** Exit status of one ping (busybox: the host may have no iputils). */
export const ping = (netns: string, address: string) => status(netns, `busybox ping -c 1 -W 1 ${address}`)

/** Polls until `check` holds; throws with `what` after the deadline (a liveness wait, not a timed assertion). */
export const eventually = async (what: string, check: () => boolean, deadlineMs = 30_000) => {
  const end = Date.now() + deadlineMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`)
    await sleep(100)
  }
}
