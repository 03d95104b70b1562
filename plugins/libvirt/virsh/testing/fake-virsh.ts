/**
 * Test-only: a stand-in `virsh` executable. Each test gives it a bash `case` body that answers per command line; the
 * script logs every call's arguments (and, for stdin commands, what it read) so tests can check what was asked.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface FakeVirsh {
  /** The executable to hand to the client as `binary`. */
  readonly binary: string
  readonly dir: string
  /** Every call's arguments after `-q -c <uri>`, one string each. */
  readonly calls: () => ReadonlyArray<string>
  /** What the stdin calls sent. */
  readonly stdin: () => string
  /** Makes the next stdin calls print this on stderr, as virsh reports a failure in that mode. */
  readonly failStdin: (stderr: string) => void
  readonly remove: () => void
}

/**
 * `cases` is the body of `case "$*" in … esac` over the arguments after `-q -c <uri>`, e.g.
 * `'domstate --reason vm-1') echo "running (booted)" ;;`. Anything unmatched fails like libvirt's "unknown command".
 */
export const makeFakeVirsh = (cases: string): FakeVirsh => {
  const dir = mkdtempSync(join(tmpdir(), "hyperx-fake-virsh-"))
  const binary = join(dir, "virsh")
  const log = join(dir, "calls.log")
  const stdinLog = join(dir, "stdin.log")
  writeFileSync(
    binary,
    `#!/bin/bash
# fake virsh for tests: drop -q -c URI, log the call, answer from the case table
[ "$1" = "-q" ] && shift
[ "$1" = "-c" ] && shift 2
# stdin mode: like virsh, exit 0 and report a failure only on stderr (from the file stdin-error, if present)
if [ $# -eq 0 ]; then
  cat >> ${JSON.stringify(stdinLog)}; echo "stdin" >> ${JSON.stringify(log)}
  [ -f ${JSON.stringify(join(dir, "stdin-error"))} ] && cat ${JSON.stringify(join(dir, "stdin-error"))} >&2
  exit 0
fi
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
case "$*" in
${cases}
  *) echo "error: unknown command: '$1'" >&2; exit 1 ;;
esac
`,
  )
  chmodSync(binary, 0o755)
  const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "")
  return {
    binary,
    dir,
    calls: () =>
      lines(log)
        .split("\n")
        .filter((line) => line.length > 0),
    stdin: () => lines(stdinLog),
    failStdin: (stderr) => writeFileSync(join(dir, "stdin-error"), stderr),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
