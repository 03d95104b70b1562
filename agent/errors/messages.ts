import type { SecretUnreadable } from "../../core/auth/secrets.ts"
import { ApiError, type Bilingual } from "./api-error.ts"

/** How the core names resources (NotFound.resource), in both languages. */
const resourceNames: Record<string, Bilingual> = {
  vm: { en: "VM", zh: "虚拟机" },
  task: { en: "Task", zh: "任务" },
  flavor: { en: "Flavor", zh: "规格" },
  image: { en: "Image", zh: "镜像" },
  host: { en: "Host", zh: "主机" },
  user: { en: "User", zh: "用户" },
  company: { en: "Company", zh: "公司" },
  department: { en: "Department", zh: "部门" },
  disk: { en: "Disk", zh: "磁盘" },
  "key-pair": { en: "Key pair", zh: "密钥对" },
  keyPair: { en: "Key pair", zh: "密钥对" },
  "affinity-group": { en: "Affinity group", zh: "亲和组" },
  affinityGroup: { en: "Affinity group", zh: "亲和组" },
  network: { en: "Network", zh: "网络" },
  subnet: { en: "Subnet", zh: "子网" },
  snapshot: { en: "Snapshot", zh: "快照" },
  backup: { en: "Backup", zh: "备份" },
  schedule: { en: "Schedule", zh: "定时任务" },
}

const nameOf = (resource: string): Bilingual => resourceNames[resource] ?? { en: resource, zh: resource }

/** The API's own errors (a RuleViolation brings its own code and messages; see from-cause.ts). */
export const apiErrors = {
  invalidInput: (details: Bilingual) =>
    new ApiError(400, "invalid-input", { en: `Invalid request: ${details.en}`, zh: `请求参数无效：${details.zh}` }),
  malformedJson: () =>
    new ApiError(400, "malformed-json", {
      en: "The request body is not valid JSON",
      zh: "请求体不是有效的 JSON",
    }),
  byteOrderMark: () =>
    new ApiError(400, "malformed-json", {
      en: "The request body starts with a byte-order mark; send the JSON without one",
      zh: "请求体以字节顺序标记（BOM）开头，请发送不带 BOM 的 JSON",
    }),
  unsupportedMediaType: () =>
    new ApiError(415, "unsupported-media-type", {
      en: "The request body must be JSON (Content-Type: application/json)",
      zh: "请求体必须为 JSON（Content-Type: application/json）",
    }),
  unauthenticated: () =>
    new ApiError(
      401,
      "unauthenticated",
      {
        en: "A valid bearer token is required (Authorization: Bearer hx_…)",
        zh: "需要有效的访问令牌（Authorization: Bearer hx_…）",
      },
      { headers: { "WWW-Authenticate": 'Bearer realm="hyperx"' } },
    ),
  /** G1: also what a resource outside the caller's scope looks like, so its existence is never revealed. */
  notFound: (resource: string, id: string) => {
    const name = nameOf(resource)
    return new ApiError(404, "not-found", { en: `${name.en} ${id} was not found`, zh: `未找到${name.zh} ${id}` })
  },
  dotSegment: () =>
    new ApiError(400, "invalid-path", {
      en: "The path has a . or .. segment (plain or percent-encoded); ask for the resource by its own path",
      zh: "路径中含有 . 或 .. 段（含百分号编码形式），请直接使用资源本身的路径",
    }),
  /** The answer to a request its client abandoned (nobody reads it; 400 keeps it out of the 5xx counts). */
  clientClosed: () =>
    new ApiError(400, "client-closed", {
      en: "The client closed the connection before the request was complete",
      zh: "客户端在请求完成前关闭了连接",
    }),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, "route-not-found", {
      en: `No API route ${method} ${path}; see /api/v1/openapi.json`,
      zh: `不存在接口 ${method} ${path}，请参阅 /api/v1/openapi.json`,
    }),
  methodNotAllowed: (method: string, allowed: ReadonlyArray<string>) =>
    new ApiError(
      405,
      "method-not-allowed",
      {
        en: `${method} is not allowed here; allowed: ${allowed.join(", ")}`,
        zh: `此接口不支持 ${method} 方法，支持：${allowed.join(", ")}`,
      },
      { headers: { Allow: allowed.join(", ") } },
    ),
  payloadTooLarge: (limitBytes?: number) =>
    new ApiError(
      413,
      "payload-too-large",
      {
        en: `The request body is too large${limitBytes === undefined ? "" : ` (at most ${limitBytes} bytes)`}`,
        zh: `请求体过大${limitBytes === undefined ? "" : `（上限 ${limitBytes} 字节）`}`,
      },
      // The unread rest of the body is drained only for a moment, then the socket is dropped (@hono/node-server):
      // saying so lets a keep-alive client open a new connection for its next request instead of losing it.
      { headers: { Connection: "close" } },
    ),
  versionConflict: () =>
    new ApiError(409, "version-conflict", {
      en: "The VM changed while the request was processed; reload it and try again",
      zh: "虚拟机在处理请求期间已被修改，请刷新后重试",
    }),
  /** If-Match named versions of the VM it no longer has; the answer carries the current one as ETag. */
  preconditionFailed: (current: number) =>
    new ApiError(
      412,
      "precondition-failed",
      {
        en: `The VM is at version ${current}, not the one If-Match names; reload it and try again`,
        zh: `虚拟机当前版本为 ${current}，与 If-Match 指定的版本不符，请刷新后重试`,
      },
      { headers: { ETag: `"${current}"` } },
    ),
  invalidIfMatch: () =>
    new ApiError(400, "invalid-input", {
      en: 'If-Match must be * or a list of entity tags such as "12"',
      zh: 'If-Match 必须为 * 或实体标签列表，例如 "12"',
    }),
  /** #16: a VM's sealed password names a key this agent does not hold (or is damaged); nothing changed. */
  secretUnreadable: ({ reason, keyId, message }: SecretUnreadable) =>
    new ApiError(409, "secret-unreadable", {
      en: message,
      zh:
        reason === "damaged"
          ? "虚拟机保存的密码已损坏：请重置密码"
          : keyId === null
            ? "虚拟机密码由另一台主机的密钥加密，本代理无法解密：请重置密码"
            : `虚拟机密码由密钥 ${keyId} 加密，本代理没有该密钥：请让集群内所有代理使用同一集群密钥，或重置密码`,
    }),
  storeUnavailable: () =>
    new ApiError(503, "unavailable", {
      en: "The platform's database is unavailable for a moment; try again",
      zh: "平台数据库暂时不可用，请稍后重试",
    }),
  hypervisor: (retryable: boolean) =>
    new ApiError(retryable ? 503 : 502, "hypervisor-error", {
      en: "The hypervisor failed to carry out the request",
      zh: "虚拟化平台未能执行该请求",
    }),
  /** #16: the agent of the host a request concerns did not answer a forwarded request. */
  peerUnreachable: (hostId: string) =>
    new ApiError(503, "host-unreachable", {
      en: `The agent of host ${hostId} did not answer; try again, or wait until the host reads down`,
      zh: `主机 ${hostId} 的代理没有响应，请稍后重试`,
    }),
  internal: () =>
    new ApiError(500, "internal", {
      en: "Something went wrong on the server; it has been logged",
      zh: "服务器内部错误，已记录日志",
    }),
}
