/**
 * R13 end to end: the agent as `npm start` runs it (host networking in a namespace this test makes), a tiny guest on
 * an isolated network, logged into with OpenSSH's client from that namespace over the VM's network. The guest runs
 * dropbear; the guest agent writes the key and the password at each start. Password login works while the VM logs in
 * by password (reset through the API); after the switch to SSH key (a key pair made through the API, its private key shown once) the key
 * logs in and prints the guest's name, and a wrong key and the old password are refused.
 */
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { setTimeout as sleep } from "node:timers/promises"
import { Store } from "../../core/store/ports.ts"
import { addHostWithOutside, deleteNetns, netnsSkipUnlessCi, sh, uniqueName } from "../../plugins/linux-net/testing.ts"
import { qemuInstalled } from "../../plugins/qemu/driver/testing.ts"
import { jsonApi } from "../testing/json-api.ts"
import { useQemuAgent } from "../testing/qemu-agent.ts"
import { followTasks } from "../testing/task-follow.ts"
import { type Client, connect } from "../ws/testing.ts"

const sshInstalled = () => spawnSync("sh", ["-c", "command -v ssh && command -v ssh-keygen"]).status === 0
const skip = !qemuInstalled() ? "QEMU is not installed" : !sshInstalled() ? "no OpenSSH client" : netnsSkipUnlessCi()

interface Login {
  readonly code: number
  readonly out: string
  readonly err: string
}

describe("login to the guest by SSH over its network, through the API on real QEMU (R13)", { skip }, () => {
  const netns = uniqueName("hxssh")
  const outside = uniqueName("hxsso")
  const files = mkdtempSync(join(tmpdir(), "hx-ssh-keys-"))
  const createdPassword = "Made2Pass7"
  const oldPassword = "Old2Pass9"
  const { live, log } = useQemuAgent(
    "hx-ssh-api-",
    async () => {
      addHostWithOutside(netns, outside)
      sh(netns, "ip route add default via 192.0.2.2 dev up0")
    },
    { env: { HYPERX_NETWORK: "linux", HYPERX_NETNS: netns, HYPERX_NET_PREFIX: "hxs" } },
  )
  const http = jsonApi(
    () => live().origin,
    () => live().token,
  )
  const { act, ended } = followTasks(http)
  let events: Client | undefined
  const stream = () => events ?? assert.fail("no event stream")
  let vm = { id: "", hostname: "", ip: "" }
  let networkId = ""

  /** OpenSSH's client in the host's namespace: by key (`identity`), or by password through SSH_ASKPASS. */
  const ssh = (login: { identity: string } | { password: string }, command: string): Login => {
    const common = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=15"]
    const args =
      "identity" in login
        ? ["-i", login.identity, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no"]
        : [
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "NumberOfPasswordPrompts=1",
          ]
    const env: NodeJS.ProcessEnv = { ...process.env }
    if ("password" in login) {
      const askpass = join(files, "askpass.sh")
      writeFileSync(askpass, `#!/bin/sh\necho '${login.password}'\n`, { mode: 0o700 })
      Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" })
    }
    const run = spawnSync("ip", ["netns", "exec", netns, "ssh", ...common, ...args, `root@${vm.ip}`, command], {
      encoding: "utf8",
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    })
    return { code: run.status ?? -1, out: run.stdout, err: run.stderr }
  }
  /** The guest agent sets a key or password seconds after the guest boots: try until it logs in, then tell why not. */
  const eventually = async (attempt: () => Login) => {
    let last = attempt()
    for (let i = 0; i < 90 && last.code !== 0; i++) {
      await sleep(2_000)
      last = attempt()
    }
    return last
  }

  before(async () => {
    events = await connect(`${live().origin.replace("http", "ws")}/api/v1/events`, {
      protocols: ["hyperx.v1", `hyperx.bearer.${live().token}`],
    })
    const users = await live().runtime.runPromise(Store.use((s) => s.users.list()))
    const superadmin = users.find((user) => user.role === "superadmin") ?? assert.fail("no superadmin")
    const network = await http("POST", "/api/v1/networks", {
      name: "ssh-net",
      kind: "isolated",
      departmentId: superadmin.departmentId,
      subnet: { cidr: "10.93.0.0/24" },
    })
    assert.equal(network.status, 201, JSON.stringify(network.body))
    networkId = network.body.id
    const created = await http("POST", "/api/v1/vms", {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "ssh_vm",
      loginMethod: "password",
      password: createdPassword,
      networks: [{ networkId: network.body.id }],
    })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    assert.equal((await ended(stream(), created.body.tasks[0].id)).state, "succeeded", log.join("\n"))
    const id: string = created.body.vmIds[0]
    const detail = (await http("GET", `/api/v1/vms/${id}`)).body
    const [nic] = (await http("GET", `/api/v1/vms/${id}/nics`)).body.items
    vm = { id, hostname: detail.vm.hostname, ip: nic.primaryIp }
  })

  after(() => {
    events?.close()
    deleteNetns(netns)
    deleteNetns(outside)
    rmSync(files, { recursive: true, force: true })
  })

  it("R6 R11 R13 while the VM logs in by password, the guest's SSH server takes the create's password, then a reset's", async () => {
    // R6: the seeded tiny guest's agent sets the password given at create, at the create's own start
    const first = await eventually(() => ssh({ password: createdPassword }, "cat /etc/hostname"))
    assert.equal(first.code, 0, `${first.err}\n${log.join("\n")}`)
    assert.equal(first.out.trim(), vm.hostname, "the guest carries the name the API shows")
    // R11: a reset's password reaches the guest at its next start
    await act(stream(), "POST", `/api/v1/vms/${vm.id}/stop`)
    const reset = await http("POST", `/api/v1/vms/${vm.id}/reset-password`, { password: oldPassword })
    assert.equal(reset.status, 200, JSON.stringify(reset.body))
    await act(stream(), "POST", `/api/v1/vms/${vm.id}/start`)
    const login = await eventually(() => ssh({ password: oldPassword }, "cat /etc/hostname"))
    assert.equal(login.code, 0, `${login.err}\n${log.join("\n")}`)
    for (const refused of ["Wrong2Pass", createdPassword]) {
      const wrong = ssh({ password: refused }, "true")
      assert.notEqual(wrong.code, 0, `${refused} logged in`)
      assert.match(wrong.err, /Permission denied/)
    }
  })

  it("R13 switched to SSH key with a key pair made through the API: the key logs in; a wrong key and the old password are refused", async () => {
    const made = await http("POST", "/api/v1/key-pairs", { name: "ssh-proof" })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    assert.match(made.body.privateKey, /PRIVATE KEY-----/)
    const listed = await http("GET", "/api/v1/key-pairs")
    assert.equal(JSON.stringify(listed.body).includes("PRIVATE KEY"), false, "the private key is shown once only")
    const identity = join(files, "id_rsa")
    writeFileSync(identity, made.body.privateKey)
    chmodSync(identity, 0o600)
    const wrongKey = join(files, "id_wrong")
    assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", wrongKey]).status, 0)

    await act(stream(), "POST", `/api/v1/vms/${vm.id}/stop`)
    const switched = await http("POST", `/api/v1/vms/${vm.id}/login-method`, {
      method: "ssh-key",
      keyPairId: made.body.keyPair.id,
    })
    assert.equal(switched.status, 200, JSON.stringify(switched.body))
    await act(stream(), "POST", `/api/v1/vms/${vm.id}/start`)

    const login = await eventually(() => ssh({ identity }, "cat /etc/hostname"))
    assert.equal(login.code, 0, `${login.err}\n${log.join("\n")}`)
    assert.equal(login.out.trim(), vm.hostname)
    const wrong = ssh({ identity: wrongKey }, "cat /etc/hostname")
    assert.notEqual(wrong.code, 0, "a key the VM does not hold is refused")
    assert.match(wrong.err, /Permission denied/)
    const password = ssh({ password: oldPassword }, "cat /etc/hostname")
    assert.notEqual(password.code, 0, "the password of before the switch no longer logs in")
    assert.match(password.err, /Permission denied/)
    await act(stream(), "POST", `/api/v1/vms/${vm.id}/stop`, { force: true })
  })

  it("R13 a VM created to log in by SSH key takes its key at the create's own start", async () => {
    const made = await http("POST", "/api/v1/key-pairs", { name: "at-create" })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const identity = join(files, "id_create")
    writeFileSync(identity, made.body.privateKey)
    chmodSync(identity, 0o600)
    const created = await http("POST", "/api/v1/vms", {
      imageId: "tiny-linux",
      flavorId: "tiny",
      name: "ssh_key_vm",
      loginMethod: "ssh-key",
      keyPairId: made.body.keyPair.id,
      networks: [{ networkId }],
    })
    assert.equal(created.status, 202, JSON.stringify(created.body))
    assert.equal((await ended(stream(), created.body.tasks[0].id)).state, "succeeded", log.join("\n"))
    const id: string = created.body.vmIds[0]
    const [nic] = (await http("GET", `/api/v1/vms/${id}/nics`)).body.items
    vm = { id, hostname: (await http("GET", `/api/v1/vms/${id}`)).body.vm.hostname, ip: nic.primaryIp }
    // no restart: the create's own start wrote the key (the guest's DHCP lease may still be on its way)
    const login = await eventually(() => ssh({ identity }, "cat /etc/hostname"))
    assert.equal(login.code, 0, `${login.err}\n${log.join("\n")}`)
    assert.equal(login.out.trim(), vm.hostname)
    await act(stream(), "POST", `/api/v1/vms/${id}/stop`, { force: true })
  })
})
