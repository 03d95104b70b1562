/** The `--help` text of every command; `hyperx help <command>` prints the same. */

const storeOptions = `Where the records are (the same as the agent's):
  --data DIR              the agent's data folder (env HYPERX_DATA; default <project>/data)
  --database-url URL      a PostgreSQL server instead of the data folder's embedded one (env DATABASE_URL)
The command opens the database itself: the running agent's embedded server, or, when no agent runs, the
data folder's server started for the command's duration.`

export const helpTexts = {
  main: `hyperx: the hypervisor agent and its admin commands

Usage: hyperx <command> [options]

Commands:
  agent                 run the agent: HTTP API, WebSockets, the hypervisor driver
  token create          issue an API token (the secret is shown once)
  token list            list API tokens (never their secrets)
  token revoke ID       revoke a token
  user create           add a user
  user list             list users
  org list              list companies and their departments
  company create        add a company
  department create     add a department
  data convert-pglite   convert a data folder of an older hyperx (PGlite) to the embedded PostgreSQL
  doctor                check this host for the agent (QEMU, KVM, libvirt, network tools, disk, database)
  driver init DIR       a driver package to start from: written with async functions, conformance wired in
  vm list|show ID       the running agent's VMs (--json); vm start|stop|reboot|delete ID [--force]
  tasks                 the running agent's tasks (--vm, --state, --limit, --json)
  events --follow       follow tasks and VM state changes live (--vm, --json)
  flavor VERB           the catalog's flavors: list, create, retire ID, restore ID (a superadmin's token)
  image VERB            the catalog's images: list, retire ID, restore ID (a superadmin's token)
  quota set DEPARTMENT  a department's quota: --cpus, --memory-mib, --disk-gib, --vms (a superadmin's token)
  --version             the version, the API's and the database schema's
  help [command]        this text, or a command's

Every command takes --help. npm start runs \`hyperx agent\`. The vm, tasks, events, flavor, image and quota verbs
talk to the agent's API: --api URL (env HYPERX_API_URL, default http://127.0.0.1:<HYPERX_PORT or 8080>) and
--token (env HYPERX_TOKEN).
Exit codes: 0 done, 1 failed or refused, 2 bad usage.`,

  agent: `Usage: hyperx agent [options]

Runs the agent on this host: the HTTP API under /api/v1, the WebSockets (events, consoles), the hypervisor
driver and the scheduler. The first start seeds this host, default flavors, the tiny guest image, a user-mode
network and a demo organisation, and prints a superadmin token once. Ctrl-C (SIGINT) or SIGTERM stops it
gracefully; the VMs keep running.

Options:
  --host ADDRESS          address to listen on (env HYPERX_HOST; default 127.0.0.1)
  --port PORT             port (env HYPERX_PORT; default 8080; 0 picks a free one)
  --data DIR              data folder (env HYPERX_DATA; default <project>/data)
  --database-url URL      PostgreSQL server instead of the embedded one in the data folder (env DATABASE_URL)
  --cors ORIGINS          comma-separated portal origins allowed to call the API from a browser, or *
                          (env HYPERX_CORS_ORIGINS; default none)
  --driver DRIVER         the hypervisor driver (env HYPERX_DRIVER; default qemu): qemu, libvirt (through
                          libvirtd; env HYPERX_LIBVIRT_URI, default qemu:///system; migrations reach the
                          target's libvirtd at HYPERX_LIBVIRT_MIGRATION_URI, default
                          qemu+ssh://root@{host}/system), fake (no real VMs: for
                          trying the API on a machine without QEMU), or a driver module: its path or the
                          name of an installed driver package (see conformance/README.md)
  --public-url URL        where clients reach the agent, e.g. behind a proxy (env HYPERX_PUBLIC_URL;
                          default the address it listens on): console URLs are built from it
  --name NAME             this host's name in a cluster (env HYPERX_NAME; default the machine's host name)
  --url URL               where the cluster's other agents reach this one (env HYPERX_URL; default the
                          public URL, else the address it listens on)
  --cluster-secret-file F a file (mode 0600) with the secret every agent of a cluster shares; agents sign
                          forwarded requests with it and seal VM passwords under a key derived from it
                          (env HYPERX_CLUSTER_SECRET_FILE)
  --previous-cluster-secret-file F
                          while rotating the cluster secret, a file (0600) with the old one: passwords sealed
                          under it are re-sealed under the new one at start (env
                          HYPERX_PREVIOUS_CLUSTER_SECRET_FILE)
  --shared-storage DIR    a directory every host mounts at the same path (NFS, CephFS): new disks go there,
                          and HA VMs on it restart on another host when theirs dies (env HYPERX_SHARED_STORAGE)
  --zone ZONE             this host's zone (资源域) for placement (env HYPERX_ZONE; default: as stored,
                          "default" on a first start)
  --cpu-overcommit R      CPU overcommit ratio, 1–64 (env HYPERX_CPU_OVERCOMMIT; default: as stored, 4 on a
                          first start): the host takes VMs up to R × its CPUs
  --memory-overcommit R   memory overcommit ratio, 1–64 (env HYPERX_MEMORY_OVERCOMMIT; default: as stored,
                          1 on a first start)
  --host-suspect-after S  a host whose heartbeat is older than S seconds reads suspect: no new VMs there
                          (env HYPERX_HOST_SUSPECT_AFTER; 4–3600; default the cluster's, 6 for a new one)
  --host-down-after S     ... older than S seconds reads down: the leader restarts its HA VMs elsewhere,
                          and an agent that cannot heartbeat powers its VMs off at S − 4 s (env
                          HYPERX_HOST_DOWN_AFTER; 8–3600, at least suspect + 2; default the cluster's, 10
                          for a new one). Every agent of a cluster uses the same values, kept in the
                          database: an agent told others while another host is up refuses to start
  --stopped-vms POLICY    what a stopped VM holds: hold (default: its CPUs and memory stay reserved on its
                          host) or release (they are freed; at its start the VM is placed again if its host
                          has no room left, on shared storage) (env HYPERX_STOPPED_VMS; one value per cluster,
                          kept in the database like the timeouts)
  --log-level LEVEL       fatal, error, warn, info (default), debug, trace or silent (env HYPERX_LOG_LEVEL)
  --log-format FORMAT     json or pretty (env HYPERX_LOG_FORMAT; default pretty on a terminal, json otherwise);
                          logs go to stderr: a line per request, failed tasks with their cause
  -h, --help              this text`,

  "data convert-pglite": `Usage: hyperx data convert-pglite [--data DIR] [--pglite DIR]

Converts the data folder of an older hyperx, whose records were in PGlite files in <data>/pg, to the
embedded PostgreSQL server: every row is copied (VMs, disks, snapshots, backups, tokens, the organisation),
then the newer migrations run. The PGlite files are kept in <data>/pg-pglite. Run it once, with no agent
running on the folder.
  --data DIR              the data folder (env HYPERX_DATA; default <project>/data)
  --pglite DIR            a folder whose node_modules holds @electric-sql/pglite 0.5 (default: npm installs it
                          into a temporary folder; it reads the old files)`,

  "token create": `Usage: hyperx token create (--user NAME | --role ROLE --department DEPARTMENT) [options]

Issues an API token and prints its secret once (only its hash is kept).
  --user NAME             the token's user (name or id). A user that does not exist yet is made when
                          --role and --department are given too
  --role ROLE             user, admin or superadmin
  --department DEPT       the user's department (name or id)
                          without --user, the user is "<role>-<department>", made on first use
  --name LABEL            a label for the token (default "hyperx token create")
  --expires-days N        the token expires after N days (default never)
  --ttl SECONDS           the token expires after 5-86400 seconds (a portal's session token); not with
                          --expires-days
  --quiet                 print the secret alone: export TOKEN=$(hyperx token create … --quiet)
  --json                  the result as JSON

Example: hyperx token create --role admin --department demo

${storeOptions}`,

  "token list": `Usage: hyperx token list [--user NAME] [--json]

Lists tokens: id, user, label, when made, last used and when they expire. Secrets are never shown.

${storeOptions}`,

  "token revoke": `Usage: hyperx token revoke TOKEN-ID

Revokes a token at once (its id is in \`hyperx token list\`).

${storeOptions}`,

  "user create": `Usage: hyperx user create --name NAME --role ROLE --department DEPT [--email EMAIL]

Adds a user: user (owns VMs), admin (manages the department's VMs) or superadmin (the whole platform).

${storeOptions}`,

  "user list": `Usage: hyperx user list [--department DEPT] [--json]

${storeOptions}`,

  "org list": `Usage: hyperx org list [--json]

Lists the companies and their departments with their ids.

${storeOptions}`,

  "company create": `Usage: hyperx company create --name NAME --number NN

The number ends the names of batch-created VMs (C1).

${storeOptions}`,

  "department create": `Usage: hyperx department create --name NAME [--company COMPANY] [--reclaim-policy POLICY]

--company can be left out when there is one company. POLICY: notify-only (default), stop, recycle, destroy.

${storeOptions}`,
} as const

export type HelpTopic = keyof typeof helpTexts
