import assert from "node:assert/strict"
import { join } from "node:path"
import { describe, it } from "node:test"
import { ConfigError, projectRoot, redactUrl, resolveConfig } from "./config.ts"

describe("agent configuration", () => {
  it("defaults: 127.0.0.1:8080, the project's data folder, the embedded PostgreSQL, QEMU, no CORS", () => {
    assert.deepEqual(resolveConfig({}, {}), {
      host: "127.0.0.1",
      port: 8080,
      dataDir: join(projectRoot, "data"),
      databaseUrl: undefined,
      corsOrigins: [],
      driver: "qemu",
      publicUrl: undefined,
      name: undefined,
      url: undefined,
      clusterSecretFile: undefined,
      previousClusterSecretFile: undefined,
      sharedStorage: undefined,
      sysfsRoot: "/",
      logLevel: "info",
      logFormat: undefined,
    })
  })

  it("#16 the host's zone and overcommit ratios, and the heartbeat timeouts, from flags or the environment", () => {
    const env = {
      HYPERX_ZONE: "zone-a",
      HYPERX_CPU_OVERCOMMIT: "2",
      HYPERX_MEMORY_OVERCOMMIT: "1.5",
      HYPERX_HOST_SUSPECT_AFTER: "8",
      HYPERX_HOST_DOWN_AFTER: "15",
    }
    const fromEnv = resolveConfig({}, env)
    assert.deepEqual(
      [fromEnv.zone, fromEnv.cpuOvercommitPercent, fromEnv.memoryOvercommitPercent],
      ["zone-a", 200, 150],
    )
    assert.deepEqual([fromEnv.hostSuspectAfterSeconds, fromEnv.hostDownAfterSeconds], [8, 15])
    const fromFlags = resolveConfig({ zone: "zone-b", cpuOvercommit: "1", hostDownAfter: "30" }, env)
    assert.deepEqual(
      [fromFlags.zone, fromFlags.cpuOvercommitPercent, fromFlags.hostDownAfterSeconds],
      ["zone-b", 100, 30],
    )
    assert.equal(resolveConfig({}, { HYPERX_STOPPED_VMS: "release" }).stoppedVms, "release")
    assert.equal(resolveConfig({ stoppedVms: "hold" }, { HYPERX_STOPPED_VMS: "release" }).stoppedVms, "hold")
    assert.throws(() => resolveConfig({ stoppedVms: "free" }, {}), /stopped-VM policy is hold, release, not "free"/)
    // Only one timeout given: ordered against the other's default (6 s suspect, 10 s down).
    assert.equal(resolveConfig({ hostDownAfter: "20" }, {}).hostSuspectAfterSeconds, undefined)
    for (const [flags, message] of [
      [{ zone: "a b" }, /zone is 1–63 letters/],
      [{ cpuOvercommit: "0.5" }, /CPU overcommit is a ratio from 1 to 64, not "0.5"/],
      [{ memoryOvercommit: "x" }, /memory overcommit is a ratio/],
      [{ hostSuspectAfter: "2" }, /--host-suspect-after is whole seconds from 4 to 3600, not "2"/],
      [{ hostDownAfter: "7" }, /--host-down-after is whole seconds from 8 to 3600/],
      [
        { hostSuspectAfter: "9" },
        /--host-down-after \(10 s\) must be at least 2 s more than --host-suspect-after \(9 s\)/,
      ],
      [{ hostSuspectAfter: "10", hostDownAfter: "11" }, /must be at least 2 s more/],
    ] as const) {
      assert.throws(
        () => resolveConfig(flags, {}),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      )
    }
  })

  it("the environment overrides the defaults and flags override the environment; relative folders are resolved", () => {
    const env = {
      HYPERX_HOST: "0.0.0.0",
      HYPERX_PORT: "9090",
      HYPERX_DATA: "/var/lib/hyperx",
      DATABASE_URL: "postgresql://db/hx",
      HYPERX_CORS_ORIGINS: "https://a.example, https://b.example:8443",
      HYPERX_DRIVER: "fake",
      HYPERX_PUBLIC_URL: "https://hx.example/agent-1/",
    }
    assert.deepEqual(resolveConfig({}, env), {
      host: "0.0.0.0",
      port: 9090,
      dataDir: "/var/lib/hyperx",
      databaseUrl: "postgresql://db/hx",
      corsOrigins: ["https://a.example", "https://b.example:8443"],
      driver: "fake",
      publicUrl: "https://hx.example/agent-1",
      name: undefined,
      url: undefined,
      clusterSecretFile: undefined,
      previousClusterSecretFile: undefined,
      sharedStorage: undefined,
      sysfsRoot: "/",
      logLevel: "info",
      logFormat: undefined,
    })
    assert.equal(resolveConfig({ publicUrl: "http://10.0.0.5:8080" }, env).publicUrl, "http://10.0.0.5:8080")
    const flagged = resolveConfig({ port: "0", data: "here", driver: "qemu", cors: "*" }, env, "/work")
    assert.deepEqual(
      [flagged.port, flagged.dataDir, flagged.driver, flagged.corsOrigins],
      [0, "/work/here", "qemu", ["*"]],
    )
    assert.equal(resolveConfig({}, { HYPERX_PORT: " ", DATABASE_URL: "" }).port, 8080)
    assert.equal(resolveConfig({}, { DATABASE_URL: "" }).databaseUrl, undefined)
  })

  it("bad values are refused with a message that names them", () => {
    assert.throws(
      () => resolveConfig({ port: "80a" }, {}),
      (e) => e instanceof ConfigError && /80a/.test(e.message),
    )
    assert.throws(() => resolveConfig({ port: "70000" }, {}), ConfigError)
    assert.throws(() => resolveConfig({ driver: "Not A Driver!" }, {}), /qemu, libvirt, fake, a driver package/)
    assert.throws(() => resolveConfig({ cors: "https://a.example/path" }, {}), /scheme:\/\/host/)
    assert.throws(() => resolveConfig({ cors: "a.example" }, {}), ConfigError)
    assert.throws(() => resolveConfig({ publicUrl: "hx.example" }, {}), /public URL/)
    assert.throws(() => resolveConfig({}, { HYPERX_PUBLIC_URL: "ftp://hx.example" }), ConfigError)
    assert.throws(() => resolveConfig({ name: "node b" }, {}), /host name/)
    assert.throws(() => resolveConfig({}, { HYPERX_URL: "node-b:8080" }), ConfigError)
  })

  it("#16 a cluster member's name, the URL its peers use and its secret file, from flags or the environment", () => {
    const env = { HYPERX_NAME: "node-a", HYPERX_URL: "http://10.0.0.1:8080/", HYPERX_CLUSTER_SECRET_FILE: "s" }
    const fromEnv = resolveConfig({}, env, "/etc/hyperx")
    assert.deepEqual(
      [fromEnv.name, fromEnv.url, fromEnv.clusterSecretFile],
      ["node-a", "http://10.0.0.1:8080", "/etc/hyperx/s"],
    )
    const flagged = resolveConfig({ name: "node-b", url: "http://127.0.0.1:9091", clusterSecretFile: "/x" }, env)
    assert.deepEqual([flagged.name, flagged.url, flagged.clusterSecretFile], ["node-b", "http://127.0.0.1:9091", "/x"])
  })

  it("#16 the old cluster secret's file while rotating it, from the flag or the environment", () => {
    const env = { HYPERX_PREVIOUS_CLUSTER_SECRET_FILE: "old" }
    assert.equal(resolveConfig({}, env, "/etc/hyperx").previousClusterSecretFile, "/etc/hyperx/old")
    assert.equal(resolveConfig({ previousClusterSecretFile: "/x" }, env).previousClusterSecretFile, "/x")
    assert.equal(resolveConfig({}, {}).previousClusterSecretFile, undefined)
  })

  it("#21 the driver: a built-in's name, a driver module's path (made absolute) or a driver package's name", () => {
    const driver = (text: string) => resolveConfig({ driver: text }, {}, "/work").driver
    assert.deepEqual(["qemu", "libvirt", "fake"].map(driver), ["qemu", "libvirt", "fake"])
    assert.deepEqual(driver("./drivers/mine.mjs"), { module: "/work/drivers/mine.mjs" })
    assert.deepEqual(driver("/opt/mine"), { module: "/opt/mine" })
    assert.deepEqual(driver("file:///opt/mine/index.js"), { module: "/opt/mine/index.js" })
    assert.deepEqual(driver("@acme/hyperx-driver"), { module: "@acme/hyperx-driver" })
    assert.deepEqual(resolveConfig({}, { HYPERX_DRIVER: "libvirt" }).driver, "libvirt")
  })

  it("#15 host networking is off unless HYPERX_NETWORK=linux; its namespace and device prefix come with it", () => {
    assert.equal(resolveConfig({}, {}).network, undefined)
    assert.equal(resolveConfig({}, { HYPERX_NETWORK: "off", HYPERX_NETNS: "ns1" }).network, undefined)
    assert.deepEqual(
      resolveConfig({}, { HYPERX_NETWORK: "linux", HYPERX_NETNS: "ns1", HYPERX_NET_PREFIX: "hxa" }).network,
      {
        netns: "ns1",
        prefix: "hxa",
      },
    )
    assert.throws(() => resolveConfig({}, { HYPERX_NETWORK: "ovs" }), /linux or off/)
    assert.throws(() => resolveConfig({}, { HYPERX_NETWORK: "linux", HYPERX_NET_PREFIX: "Toolong1" }), ConfigError)
  })

  it("a database URL is printed without its password", () => {
    assert.equal(redactUrl("postgresql://hx:s3cret@db:5432/hx"), "postgresql://hx:****@db:5432/hx")
    assert.equal(redactUrl("postgresql://db/hx"), "postgresql://db/hx")
  })

  it("#21 --log-level and --log-format (or HYPERX_LOG_LEVEL/FORMAT); anything else is refused by name", () => {
    const env = { HYPERX_LOG_LEVEL: "debug", HYPERX_LOG_FORMAT: "pretty" }
    const fromEnv = resolveConfig({}, env)
    assert.deepEqual([fromEnv.logLevel, fromEnv.logFormat], ["debug", "pretty"])
    const flagged = resolveConfig({ logLevel: "warn", logFormat: "json" }, env)
    assert.deepEqual([flagged.logLevel, flagged.logFormat], ["warn", "json"])
    assert.throws(() => resolveConfig({ logLevel: "loud" }, {}), ConfigError)
    assert.throws(() => resolveConfig({ logFormat: "xml" }, {}), /log format is json, pretty/)
  })
})
