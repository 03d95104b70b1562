export { attachGpu, attachGpuOperation, detachGpu, type GpuRequest } from "./gpu.ts"
export { attachIso, attachIsoOperation, detachIso, detachIsoOperation } from "./iso.ts"
export { attachUsb, attachUsbOperation, detachUsb, detachUsbOperation } from "./usb.ts"
