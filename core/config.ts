import { Context } from "effect"

/** What the core needs to know about the host its agent runs on. */
export class HostConfig extends Context.Service<
  HostConfig,
  {
    /** This host's row in the hosts table. */
    readonly hostId: string
    /** Where disk files of this host's VMs live. */
    readonly storageDir: string
    /** How long a graceful stop may take before power is cut. */
    readonly shutdownTimeoutMs: number
    /** AES-256 key for VM passwords at rest. */
    readonly secretKey: Buffer
    /** X3, #20: where uploaded images (ISO, qcow2, raw) are kept; default the system's temporary folder. */
    readonly imagesDir?: string
    /** X3, #20: the largest upload accepted, in bytes; default 16 GiB. */
    readonly imageUploadMaxBytes?: number
  }
>()("hyperx/core/HostConfig") {}
