package planner

import "strings"

// The plan steps' names in the processing log, as ksqlDB's query
// contexts name them below processing.<query id> (runtime's
// ProcessingError.Logger): a user's filter on the LOGGER column of
// KSQL_PROCESSING_LOG reads the same over eddy.
const (
	stepSource           = "KsqlTopic.Source"
	stepWhere            = "WhereFilter"
	stepProject          = "Project"
	stepHaving           = "Aggregate.HavingFilter"
	stepAggregateProject = "Aggregate.Project"
)

// joinPrefix is the prefix of the names of join i's steps among n joins
// of n+1 sources. ksqlDB plans a multi-way join as a left-deep tree and
// prefixes the names of each inner join's steps with L_ per level below
// the last join: "Join", "L_Join", "L_L_Join".
func joinPrefix(n, i int) string { return strings.Repeat("L_", n-1-i) }

// joinSideStep is the step name of a side of join i among n joins: its
// right side's, or the leftmost source's as join 0's left side
// (KafkaTopic_L_Left and KafkaTopic_L_Right for three sources, whose
// third is KafkaTopic_Right).
func joinSideStep(n, i int, side string) string {
	return "KafkaTopic_" + joinPrefix(n, i) + side
}
