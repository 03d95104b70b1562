import type { AdminRequest } from "./admin-commands.ts"

// biome-ignore lint/suspicious/noExplicitAny: replies are JSON that came over a socket; printing reads them loosely
type Json = any

/** East Asian wide and fullwidth characters (Chinese names, R2): a terminal gives each two columns. */
const wide =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u

/** The columns a cell takes in a terminal (not its UTF-16 length). */
export const displayWidth = (text: string): number => {
  let width = 0
  for (const char of text) width += wide.test(char) ? 2 : 1
  return width
}

/** Left-aligned columns with a header row. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  if (rows.length === 0) return ["(none)"]
  const widths = header.map((title, i) =>
    Math.max(displayWidth(title), ...rows.map((row) => displayWidth(row[i] ?? ""))),
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell))))
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
