import { Layer } from "effect"
import { HostDeviceSource } from "../../core/devices/source.ts"
import { sysfsAt } from "./files.ts"
import { scanDevices } from "./scan.ts"
import { bindVfio, releaseVfio } from "./vfio.ts"

/** The host's GPUs and USB devices from sysfs under `root` ("/" on a host; a prepared tree in tests). */
export const makeHostDeviceSource = (root = "/"): HostDeviceSource["Service"] => {
  const sysfs = sysfsAt(root)
  return { scan: scanDevices(sysfs), bindVfio: bindVfio(sysfs), releaseVfio: releaseVfio(sysfs) }
}

export const hostDeviceSourceLayer = (root = "/") => Layer.succeed(HostDeviceSource, makeHostDeviceSource(root))
