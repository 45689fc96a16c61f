package kafka

import "errors"

var (
	// ErrUnknownTopic is returned (wrapped) when an operation names a
	// topic that does not exist.
	ErrUnknownTopic = errors.New("unknown topic")
	// ErrTopicConflict is returned (wrapped) by CreateTopic when the topic
	// already exists with a different partition count.
	ErrTopicConflict = errors.New("topic exists with a different partition count")
	// ErrClosed is returned (wrapped) by calls on a closed Cluster.
	ErrClosed = errors.New("cluster closed")

	errNoPartition = errors.New("no such partition")
)
