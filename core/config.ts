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
  }
>()("hyperx/core/HostConfig") {}
