package runtime

// The names of plan steps that ksqlDB's processing loggers give alike in
// every query (ProcessingError.Logger); the planner names the others
// (sources, join sides, filters, projections, sinks).
const (
	stepPartitionBy = "PartitionBy"
	stepFlatMap     = "FlatMap"
	// StepGroupBy is the grouping of an aggregation, in its operator or
	// in the repartition before it.
	StepGroupBy = "Aggregate.GroupBy"
	stepPrepare = "Aggregate.Prepare"
)
