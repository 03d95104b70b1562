import type { VmSpec } from "../../../core/driver/spec.ts"
import { FIXED_IDS } from "./names.ts"
import { keyValues, type QemuOption } from "./options.ts"
import type { QemuRuntime, RuntimePaths } from "./runtime.ts"

const socketServer = (id: string, path: string, extra: ReadonlyArray<readonly [string, string | boolean]> = []) =>
  keyValues("socket", [["id", id], ["path", path], ["server", true], ["wait", false], ...extra])

/** QMP on a unix socket; QEMU listens before the guest runs, so the driver may connect at any time. */
export const qmpOptions = (paths: RuntimePaths): ReadonlyArray<QemuOption> => [
  ["-chardev", socketServer(FIXED_IDS.qmpChardev, paths.qmp)],
  [
    "-mon",
    keyValues(undefined, [
      ["chardev", FIXED_IDS.qmpChardev],
      ["mode", "control"],
    ]),
  ],
]

/**
 * COM1. Its output always goes to serial.log (a socket drops what is printed while no client listens); with
 * `spec.serial` it is also a console socket. Only one client at a time gets the socket's output.
 */
export const serialOptions = (spec: VmSpec, paths: RuntimePaths): ReadonlyArray<QemuOption> => [
  [
    "-chardev",
    spec.serial
      ? socketServer(FIXED_IDS.serialChardev, paths.serial, [
          ["logfile", paths.serialLog],
          ["logappend", true],
        ])
      : keyValues("file", [
          ["id", FIXED_IDS.serialChardev],
          ["path", paths.serialLog],
          ["append", true],
        ]),
  ],
  ["-serial", `chardev:${FIXED_IDS.serialChardev}`],
]

/** A VGA card and QEMU's VNC server, unauthenticated: the agent's console ticket guards the way in. */
export const displayOptions = (spec: VmSpec, runtime: QemuRuntime, paths: RuntimePaths): ReadonlyArray<QemuOption> => {
  if (!spec.vnc) return []
  const websocket = runtime.vnc.kind === "websocket" ? `${runtime.vnc.host}:${runtime.vnc.port}` : undefined
  return [
    ["-device", keyValues("VGA", [["id", FIXED_IDS.video]])],
    ["-vnc", keyValues(`unix:${paths.vnc}`, [["websocket", websocket]])],
    // an absolute pointer keeps the VNC cursor in step with the guest's
    [
      "-device",
      keyValues("usb-tablet", [
        ["bus", `${FIXED_IDS.usb}.0`],
        ["id", FIXED_IDS.tablet],
      ]),
    ],
  ]
}

/** The guest agent's channel: virtio-serial port org.qemu.guest_agent.0 backed by a unix socket. */
export const guestAgentOptions = (spec: VmSpec, paths: RuntimePaths): ReadonlyArray<QemuOption> =>
  spec.guestAgent
    ? [
        ["-device", keyValues("virtio-serial-pci", [["id", FIXED_IDS.virtioSerial]])],
        ["-chardev", socketServer(FIXED_IDS.qgaChardev, paths.qga)],
        [
          "-device",
          keyValues("virtserialport", [
            ["bus", `${FIXED_IDS.virtioSerial}.0`],
            ["chardev", FIXED_IDS.qgaChardev],
            ["name", "org.qemu.guest_agent.0"],
          ]),
        ],
      ]
    : []
