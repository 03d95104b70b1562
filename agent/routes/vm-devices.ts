import { Schema } from "effect"
import { Hono } from "hono"
import { attachGpu, attachIso, attachUsb, detachGpu, detachIso, detachUsb } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam, NoOptions } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "Bound resources"
const refusals = [400, 403, 404, 409, 415, 422]
const accepted = { 202: json("The operation's task; follow it at /api/v1/tasks/{id}", TaskAccepted) }

const DeviceParams = Schema.Struct({ id: ApiId, deviceId: ApiId })
const IsoBody = Schema.Struct({ imageId: ApiId }).annotate({ identifier: "IsoAttach" })
const UsbBody = Schema.Struct({ deviceId: ApiId }).annotate({ identifier: "UsbAttach" })
const GpuBody = Schema.Struct({
  model: Schema.String.check(
    Schema.isPattern(/^[0-9a-f]{4}:[0-9a-f]{4}$/, { message: "Expected vendor:product ids, e.g. 10de:1eb8" }),
  ).annotate({ description: "The GPU model as the host's device list gives it: `vendorId:productId`" }),
  count: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 16 })),
}).annotate({ identifier: "GpuAttach" })

/** /api/v1/vms/{id}/iso, /usb, /gpus: the detail view's bound resources (D4; X1–X4). */
export const vmDeviceRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:id/iso",
      doc({
        tag,
        summary: "Attach an ISO of the library to the VM's CD-ROM; a running VM's tray takes it at once (X3)",
        description:
          "Refusals: image-is-iso (422), iso-already-attached (409), image-unavailable, vm-busy, vm-recycled.",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(IsoBody),
      async (c) => {
        const handle = await runEffect(c, attachIso(c.var.actor, c.req.valid("param").id, c.req.valid("json").imageId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .delete(
      "/:id/iso",
      doc({
        tag,
        summary: "Eject the VM's ISO (X3); refused with iso-attached when there is none",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(NoOptions),
      async (c) => {
        const handle = await runEffect(c, detachIso(c.var.actor, c.req.valid("param").id))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/usb",
      doc({
        tag,
        summary: "Attach a free USB device of the VM's host; hot-plugged while the VM runs (X4)",
        description: "The device comes from GET /api/v1/hosts/{hostId}/devices. Refusal: no-free-usb (409).",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(UsbBody),
      async (c) => {
        const handle = await runEffect(c, attachUsb(c.var.actor, c.req.valid("param").id, c.req.valid("json").deviceId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .delete(
      "/:id/usb/:deviceId",
      doc({
        tag,
        summary: "Detach a USB device from the VM; it is free on its host again (X4)",
        description: "Refusal: device-attached (409) when the VM does not hold it.",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(DeviceParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, deviceId } = c.req.valid("param")
        const handle = await runEffect(c, detachUsb(c.var.actor, id, deviceId))
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/gpus",
      doc({
        tag,
        summary: "Attach GPUs of one model to a stopped VM (X1): bound to vfio-pci, passed through at the next start",
        description:
          "Only when the VM is stopped (vm-not-stopped), its flavor allows GPUs (gpu-not-allowed) and its host has " +
          "that many free GPUs of the model, in an IOMMU group (no-free-gpu). Two VMs never get the same GPU.",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(GpuBody),
      async (c) => {
        const handle = await runEffect(c, attachGpu(c.var.actor, c.req.valid("param").id, c.req.valid("json")))
        return c.json({ task: handle.task }, 202)
      },
    )
    .delete(
      "/:id/gpus/:deviceId",
      doc({
        tag,
        summary: "Detach a GPU (X2); a running VM is shut down first, then the GPU goes back to its host driver",
        ok: accepted,
        errors: refusals,
      }),
      pathParams(DeviceParams),
      jsonBody(NoOptions),
      async (c) => {
        const { id, deviceId } = c.req.valid("param")
        const handle = await runEffect(c, detachGpu(c.var.actor, id, deviceId))
        return c.json({ task: handle.task }, 202)
      },
    )
