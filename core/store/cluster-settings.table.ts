/** #16: the cluster's shared settings, one row (id 'cluster'). */
export interface ClusterSettingsTable {
  id: "cluster"
  suspectAfterSeconds: number
  downAfterSeconds: number
  stoppedVms: "hold" | "release"
  setByHostId: string
  updatedAt: Date
}
