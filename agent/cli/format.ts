import type { AdminRequest } from "./admin-commands.ts"

// biome-ignore lint/suspicious/noExplicitAny: replies are JSON that came over a socket; printing reads them loosely
type Json = any

/** Left-aligned columns with a header row. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  if (rows.length === 0) return ["(none)"]
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)]
}

export const when = (value: string | null | undefined) => (value ? value.replace(/\.\d+Z$/, "Z") : "-")

/** What a successful admin command prints. */
export const formatResult = (request: AdminRequest, result: Json): Array<string> => {
  switch (request.verb) {
    case "token.create":
      return [
        `${result.userCreated ? "Made user" : "User"} ${result.user.name} (${result.user.role}, department ${result.user.department}).`,
        `Token ${result.tokenId}${result.expiresAt ? `, expires ${when(result.expiresAt)}` : ""}. The secret, shown this once:`,
        result.secret,
      ]
    case "token.list":
      return table(
        ["ID", "USER", "LABEL", "CREATED", "LAST USED", "EXPIRES"],
        (result as Array<Json>).map((t) => [
          t.id,
          t.user,
          t.name,
          when(t.createdAt),
          when(t.lastUsedAt),
          when(t.expiresAt),
        ]),
      )
    case "token.revoke":
      return [`Revoked token ${result.revoked}.`]
    case "user.create":
      return [`Made user ${result.name} (${result.role}, department ${result.department}), id ${result.id}.`]
    case "user.list":
      return table(
        ["ID", "NAME", "ROLE", "DEPARTMENT", "EMAIL"],
        (result as Array<Json>).map((u) => [u.id, u.name, u.role, u.department, u.email]),
      )
    case "org.list":
      return (result as Array<Json>).length === 0
        ? ["(no company yet)"]
        : (result as Array<Json>).flatMap((company) => [
            `${company.name} (number ${company.number}, id ${company.id})`,
            ...(company.departments as Array<Json>).map(
              (d) => `  ${d.name} (id ${d.id}, reclaim policy ${d.reclaimPolicy})`,
            ),
          ])
    case "company.create":
      return [`Made company ${result.name} (number ${result.number}), id ${result.id}.`]
    case "department.create":
      return [`Made department ${result.name}, id ${result.id}.`]
  }
}
