import { Schema } from "effect"

/** Every operation the platform offers on a VM or its resources; rules and tasks are keyed by these names. */
export const Operation = Schema.Literals([
  // B: basic
  "vm.create",
  "vm.start",
  "vm.stop",
  "vm.force-stop",
  "vm.reboot",
  "vm.force-reboot",
  "vm.delete",
  "vm.destroy",
  "vm.restore",
  "vm.purge",
  "vm.console",
  "vm.batch",
  // R: regular
  "vm.alarm",
  "vm.rename",
  "vm.change-owner",
  "vm.remarks",
  "vm.reclaim-date",
  /** R5: the platform reminds before the reclaim date and applies the department's policy at it. */
  "vm.reclaim-notice",
  "vm.reclaim",
  "vm.show-password",
  "vm.deletion-protection",
  "vm.clone",
  "vm.migrate",
  /** R9: stop a running live migration; the VM stays on its host. */
  "vm.migrate-cancel",
  "vm.affinity",
  "vm.reset-password",
  "vm.ha",
  /** Several record edits (R2, R4, R5, R7, R12) as one operation: every field's rules, one task, one write. */
  "vm.edit",
  "vm.login-method",
  // K: configuration
  "vm.resize",
  "vm.reinstall",
  "vm.create-image",
  "vm.sockets",
  // X: bound resources
  "vm.attach-gpu",
  "vm.detach-gpu",
  "vm.attach-iso",
  "vm.detach-iso",
  "vm.attach-usb",
  "vm.detach-usb",
  "vm.ssh-keys",
  // V: disks
  "disk.attach",
  "disk.create",
  "disk.detach",
  "disk.backup",
  "disk.backup-schedule",
  "disk.delete-backup-schedule",
  "disk.restore-backup",
  "disk.delete-backup",
  /** An unattached disk removed with its file (its backups stay, files of their own). */
  "disk.delete",
  // N: networks
  "nic.join",
  "nic.edit-primary-ip",
  "nic.add-secondary-ip",
  "nic.remove-secondary-ip",
  "nic.set-default",
  "nic.remove",
  // #15: an admin's networks
  "network.create",
  "network.delete",
  // P: snapshots
  "snapshot.create",
  "snapshot.schedule",
  "snapshot.delete-schedule",
  "snapshot.rollback",
  "snapshot.delete",
  // reconciliation after a crash or an outside power change
  "vm.reconcile",
  // #16 a stopped VM whose host is down moves to another host before it starts
  "vm.relocate",
  // #16 the cluster: an admin drains a host (no new placements) and brings it back
  "host.maintenance",
  // X1–X4: a superadmin reads the host's passthrough devices again (the agent also does at its start)
  "host.devices",
  // G1, G2: the organisation (companies, departments and their quotas, users, tokens)
  "org.catalog",
  // X3, #20: the image library: an image (ISO, qcow2, raw) uploaded, or deleted while nothing uses it
  "image.upload",
  "image.delete",
  "org.company",
  "org.department-create",
  "org.department-edit",
  "org.quota",
  "org.user-create",
  "org.token",
])
export type Operation = typeof Operation.Type
