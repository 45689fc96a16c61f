package kafka

import (
	"context"
	"fmt"
)

// TopicIDer is implemented by clusters whose topics carry Kafka's topic
// IDs: a topic deleted and made again under the same name gets a new
// one, so a reader keeping a copy of a topic across restarts can tell
// that its copy belongs to a topic that is gone.
type TopicIDer interface {
	// TopicID returns topic's ID; ErrUnknownTopic when it does not exist.
	TopicID(ctx context.Context, topic string) ([16]byte, error)
}

var _ TopicIDer = (*Client)(nil)

func (c *Client) TopicID(ctx context.Context, topic string) ([16]byte, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	details, err := c.adm.ListTopics(ctx, topic)
	if err != nil {
		return [16]byte{}, fmt.Errorf("topic id of %s: %w", topic, err)
	}
	d, ok := details[topic]
	if !ok {
		return [16]byte{}, fmt.Errorf("topic id of %s: %w", topic, ErrUnknownTopic)
	}
	if d.Err != nil {
		return [16]byte{}, fmt.Errorf("topic id of %s: %w", topic, d.Err)
	}
	return d.ID, nil
}
