import { Effect, Schema } from "effect"
import { HostNetworkError } from "../../core/network/host-network.ts"
import type { HostCommands } from "../host-commands/host-commands.ts"

/** Runs one host command (inside the configured network namespace); a non-zero exit fails with its stderr. */
export type Exec = (
  file: string,
  args: ReadonlyArray<string>,
  input?: string,
) => Effect.Effect<string, HostNetworkError>

export const makeExec =
  (commands: HostCommands, netns: string | undefined): Exec =>
  (file, args, input) => {
    const [command, commandArgs] = netns === undefined ? [file, args] : ["ip", ["netns", "exec", netns, file, ...args]]
    const line = [file, ...args].join(" ")
    return commands.run(command, commandArgs, input === undefined ? {} : { input }).pipe(
      Effect.mapError((error) => new HostNetworkError({ operation: line, message: error.message })),
      Effect.flatMap((outcome) =>
        outcome.code === 0
          ? Effect.succeed(outcome.stdout)
          : Effect.fail(
              new HostNetworkError({ operation: line, message: outcome.stderr.trim() || `exit ${outcome.code}` }),
            ),
      ),
    )
  }

/** The part of `ip -j -d link show` we read. */
const Link = Schema.Struct({
  ifname: Schema.String,
  ifalias: Schema.optionalKey(Schema.String),
  master: Schema.optionalKey(Schema.String),
  flags: Schema.optionalKey(Schema.Array(Schema.String)),
  linkinfo: Schema.optionalKey(
    Schema.Struct({
      info_kind: Schema.optionalKey(Schema.String),
      info_data: Schema.optionalKey(Schema.Struct({ id: Schema.optionalKey(Schema.Number) })),
    }),
  ),
})
export type Link = typeof Link.Type

const Addresses = Schema.Array(
  Schema.Struct({
    ifname: Schema.String,
    addr_info: Schema.Array(
      Schema.Struct({ family: Schema.String, local: Schema.String, prefixlen: Schema.Number, scope: Schema.String }),
    ),
  }),
)

const parse =
  <S extends Schema.Top>(schema: S, operation: string) =>
  (text: string) =>
    Effect.try({
      try: () => JSON.parse(text === "" ? "[]" : text) as unknown,
      catch: () => new HostNetworkError({ operation, message: `not JSON: ${text.slice(0, 200)}` }),
    }).pipe(
      Effect.flatMap((json) => Schema.decodeUnknownEffect(schema)(json)),
      Effect.mapError((error) =>
        error instanceof HostNetworkError ? error : new HostNetworkError({ operation, message: String(error) }),
      ),
    )

export const readLinks = (exec: Exec) =>
  exec("ip", ["-j", "-d", "link", "show"]).pipe(Effect.flatMap(parse(Schema.Array(Link), "ip link show")))

/** A device's global addresses as CIDR-style "address/prefix". */
export const readAddresses = (exec: Exec, device: string) =>
  exec("ip", ["-j", "addr", "show", "dev", device]).pipe(
    Effect.flatMap(parse(Addresses, "ip addr show")),
    Effect.map((rows) =>
      rows.flatMap((row) =>
        row.addr_info
          .filter((info) => info.scope === "global" && (info.family === "inet" || info.family === "inet6"))
          .map((info) => `${info.local}/${info.prefixlen}`),
      ),
    ),
  )

/** The VXLAN peers of a device: its all-zero FDB entries' destinations. */
export const readVxlanPeers = (exec: Exec, device: string) =>
  exec("bridge", ["-j", "fdb", "show", "dev", device]).pipe(
    Effect.flatMap(
      parse(
        Schema.Array(Schema.Struct({ mac: Schema.String, dst: Schema.optionalKey(Schema.String) })),
        "bridge fdb show",
      ),
    ),
    Effect.map((rows) =>
      rows.flatMap((row) => (row.mac === "00:00:00:00:00:00" && row.dst !== undefined ? [row.dst] : [])),
    ),
  )
