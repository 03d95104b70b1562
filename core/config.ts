import { Context } from "effect"
import type { SealingKey } from "./auth/sealing-keys.ts"

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
    /** This host's own AES-256 key for VM passwords at rest (the data folder's `secret.key`). */
    readonly secretKey: Buffer
    /** #16: in a cluster, the key derived from the cluster secret: VM passwords sealed under it open on every host. */
    readonly clusterKey?: SealingKey | undefined
    /** #16: while the cluster secret is rotated, the old one's key: it opens (to re-seal at start), never seals. */
    readonly previousClusterKey?: SealingKey | undefined
    /** X3, #20: where uploaded images (ISO, qcow2, raw) are kept; default the system's temporary folder. */
    readonly imagesDir?: string
    /** X3, #20: the largest upload accepted, in bytes; default 16 GiB. */
    readonly imageUploadMaxBytes?: number
  }
>()("hyperx/core/HostConfig") {}
