package api

// ClusterStatus is GET /clusterStatus: every server of the service by
// host:port, as ksqlDB answers it.
type ClusterStatus struct {
	ClusterStatus map[string]HostStatus `json:"clusterStatus"`
}

// HostStatus is one server of the service as the queried server sees it.
type HostStatus struct {
	HostAlive bool `json:"hostAlive"`
	// LastStatusUpdateMs is when the queried server last saw this one
	// alive (epoch milliseconds).
	LastStatusUpdateMs int64 `json:"lastStatusUpdateMs"`
	// ActiveStandbyPerQuery is, per persistent query id, what the server
	// runs of it.
	ActiveStandbyPerQuery map[string]ActiveStandby `json:"activeStandbyPerQuery"`
	HostStoreLags         HostStoreLags            `json:"hostStoreLags"`
}

// ActiveStandby is a server's share of one query: its active tasks'
// stores and input partitions. eddy keeps no standby replicas (a task
// taking over restores from the changelog), so the standby lists are
// always empty.
type ActiveStandby struct {
	ActiveStores      []string         `json:"activeStores"`
	ActivePartitions  []TopicPartition `json:"activePartitions"`
	StandByStores     []string         `json:"standByStores"`
	StandByPartitions []TopicPartition `json:"standByPartitions"`
}

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
}

// HostStoreLags is ksqlDB's lag report; eddy reports none.
type HostStoreLags struct {
	StateStoreLags map[string]any `json:"stateStoreLags"`
	UpdateTimeMs   int64          `json:"updateTimeMs"`
}
