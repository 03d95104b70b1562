import { Schema } from "effect"
import { Hono } from "hono"
import { createImage, reinstallVm } from "../../core/index.ts"
import { runEffect } from "../bridge.ts"
import type { AgentEnv } from "../env.ts"
import { doc, json } from "../openapi/describe.ts"
import { ApiId, IdParam } from "../validation/schemas.ts"
import { jsonBody, pathParams } from "../validation/validators.ts"
import { TaskAccepted } from "../vms/responses.ts"

const tag = "VM actions"
const refusals = [400, 403, 404, 409, 415, 422]

const ReinstallBody = Schema.Struct({ imageId: ApiId }).annotate({ identifier: "VmReinstall" })
const CreateImageBody = Schema.Struct({
  /** The image's name in the catalogue, 1–64 characters. */
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)),
}).annotate({ identifier: "VmCreateImage" })

/** /api/v1/vms/{id}/…: the VM's system disk and images: reinstall from an image (K2), an image from the VM (K3). */
export const vmImageRoutes = () =>
  new Hono<AgentEnv>()
    .post(
      "/:id/reinstall",
      doc({
        tag,
        summary: "Reinstall a running VM from an image: new system disk, data disks kept, snapshots removed (K2)",
        description:
          "Running only (409 running-only); the image suits the VM as at create: the department's or public (403 " +
          "image-available), not an ISO (422 image-installable), not retired (409 image-retired), its minimum cores " +
          "(422 image-min-cores), SSH-key login only for Linux (422 ssh-key-linux-only). The VM's snapshots are " +
          "removed, the guest shut down, a new system disk made over the image (at least the old size), and the VM " +
          "started again; its managed password is set in the new system. The VM shows rebooting meanwhile; a failure " +
          "half way leaves it in error with the reason.",
        ok: { 202: json("The reinstall's task; follow it at /api/v1/tasks/{id}", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(ReinstallBody),
      async (c) => {
        const handle = await runEffect(
          c,
          reinstallVm(c.var.actor, c.req.valid("param").id, c.req.valid("json").imageId),
        )
        return c.json({ task: handle.task }, 202)
      },
    )
    .post(
      "/:id/create-image",
      doc({
        tag,
        summary: "Create an image from a stopped VM's system disk, for the VM's department (K3)",
        description:
          "Stopped only (409 stopped-only). The image (params.imageId of the task) has the VM's image's OS and boot, " +
          "the system disk's size as its minimum and the disk's content; it is listed at GET /images for the VM's " +
          "department once the task succeeded, and VMs created from it boot with the source's files.",
        ok: { 202: json("The task; its params.imageId names the image", TaskAccepted) },
        errors: refusals,
      }),
      pathParams(IdParam),
      jsonBody(CreateImageBody),
      async (c) => {
        const handle = await runEffect(c, createImage(c.var.actor, c.req.valid("param").id, c.req.valid("json").name))
        return c.json({ task: handle.task }, 202)
      },
    )
