package runtime

// The names of plan steps that ksqlDB's processing loggers give alike in
// every query (ProcessingError.Logger); the planner names the others
// (sources, join sides, filters, projections, sinks).
const (
	stepPartitionBy = "PartitionBy"
	stepFlatMap     = "FlatMap"
	stepGroupBy     = "Aggregate.GroupBy"
	stepPrepare     = "Aggregate.Prepare"
)
