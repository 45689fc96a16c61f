// Package confignames knows the names and types of ksqlDB's
// configurations and of Apache Kafka's consumer, producer, Streams and
// topic configurations, listed from their configuration definitions
// (ConfigDef): what a name must be for ksqlDB, which resolves property
// names against them all, or Kafka to take it, and what its value must
// parse as.
package confignames

// Consumer returns the type of a consumer configuration, or false.
func Consumer(name string) (Type, bool) { t, ok := consumer[name]; return t, ok }

// Producer returns the type of a producer configuration, or false.
func Producer(name string) (Type, bool) { t, ok := producer[name]; return t, ok }

// Streams returns the type of a Kafka Streams configuration, or false.
func Streams(name string) (Type, bool) { t, ok := streams[name]; return t, ok }

// Topic reports whether name is a topic configuration.
func Topic(name string) bool { _, ok := topic[name]; return ok }

// consumer holds Kafka consumer configurations.
var consumer = typed(map[Type][]string{
	Boolean: {"allow.auto.create.topics", "check.crcs", "enable.auto.commit",
		"enable.metrics.push", "exclude.internal.topics",
		"sasl.oauthbearer.header.urlencode",
	},
	Short: {"sasl.login.refresh.buffer.seconds",
		"sasl.login.refresh.min.period.seconds",
	},
	Int: {"auto.commit.interval.ms", "default.api.timeout.ms", "fetch.max.bytes",
		"fetch.max.wait.ms", "fetch.min.bytes", "heartbeat.interval.ms",
		"max.partition.fetch.bytes", "max.poll.interval.ms", "max.poll.records",
		"metrics.num.samples", "receive.buffer.bytes", "request.timeout.ms",
		"sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
		"sasl.oauthbearer.clock.skew.seconds", "send.buffer.bytes",
		"session.timeout.ms",
	},
	Long: {"connections.max.idle.ms", "metadata.max.age.ms",
		"metrics.sample.window.ms", "reconnect.backoff.max.ms",
		"reconnect.backoff.ms", "retry.backoff.max.ms", "retry.backoff.ms",
		"sasl.kerberos.min.time.before.relogin", "sasl.login.retry.backoff.max.ms",
		"sasl.login.retry.backoff.ms", "sasl.oauthbearer.jwks.endpoint.refresh.ms",
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
		"socket.connection.setup.timeout.max.ms",
		"socket.connection.setup.timeout.ms",
	},
	Double: {"sasl.kerberos.ticket.renew.jitter",
		"sasl.kerberos.ticket.renew.window.factor",
		"sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter",
	},
	List: {"bootstrap.servers", "interceptor.classes", "metric.reporters",
		"partition.assignment.strategy", "sasl.oauthbearer.expected.audience",
		"ssl.cipher.suites", "ssl.enabled.protocols",
	},
	Class: {"key.deserializer", "sasl.client.callback.handler.class",
		"sasl.login.callback.handler.class", "sasl.login.class",
		"ssl.engine.factory.class", "value.deserializer",
	},
	Password: {"sasl.jaas.config", "ssl.key.password",
		"ssl.keystore.certificate.chain", "ssl.keystore.key",
		"ssl.keystore.password", "ssl.truststore.certificates",
		"ssl.truststore.password",
	},
	String: {"auto.offset.reset", "client.dns.lookup", "client.id",
		"client.rack", "group.id", "group.instance.id", "group.protocol",
		"group.remote.assignor", "isolation.level", "metadata.recovery.strategy",
		"metrics.recording.level", "sasl.kerberos.kinit.cmd",
		"sasl.kerberos.service.name", "sasl.mechanism",
		"sasl.oauthbearer.expected.issuer", "sasl.oauthbearer.jwks.endpoint.url",
		"sasl.oauthbearer.scope.claim.name", "sasl.oauthbearer.sub.claim.name",
		"sasl.oauthbearer.token.endpoint.url", "security.protocol",
		"security.providers", "ssl.endpoint.identification.algorithm",
		"ssl.keymanager.algorithm", "ssl.keystore.location", "ssl.keystore.type",
		"ssl.protocol", "ssl.provider", "ssl.secure.random.implementation",
		"ssl.trustmanager.algorithm", "ssl.truststore.location",
		"ssl.truststore.type",
	},
})

// producer holds Kafka producer configurations.
var producer = typed(map[Type][]string{
	Boolean: {"enable.idempotence", "enable.metrics.push",
		"partitioner.adaptive.partitioning.enable", "partitioner.ignore.keys",
		"sasl.oauthbearer.header.urlencode",
	},
	Short: {"sasl.login.refresh.buffer.seconds",
		"sasl.login.refresh.min.period.seconds",
	},
	Int: {"batch.size", "compression.gzip.level", "compression.lz4.level",
		"compression.zstd.level", "delivery.timeout.ms",
		"max.in.flight.requests.per.connection", "max.request.size",
		"metrics.num.samples", "receive.buffer.bytes", "request.timeout.ms",
		"retries", "sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
		"sasl.oauthbearer.clock.skew.seconds", "send.buffer.bytes",
		"transaction.timeout.ms",
	},
	Long: {"buffer.memory", "connections.max.idle.ms", "linger.ms",
		"max.block.ms", "metadata.max.age.ms", "metadata.max.idle.ms",
		"metrics.sample.window.ms", "partitioner.availability.timeout.ms",
		"reconnect.backoff.max.ms", "reconnect.backoff.ms", "retry.backoff.max.ms",
		"retry.backoff.ms", "sasl.kerberos.min.time.before.relogin",
		"sasl.login.retry.backoff.max.ms", "sasl.login.retry.backoff.ms",
		"sasl.oauthbearer.jwks.endpoint.refresh.ms",
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
		"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
		"socket.connection.setup.timeout.max.ms",
		"socket.connection.setup.timeout.ms",
	},
	Double: {"sasl.kerberos.ticket.renew.jitter",
		"sasl.kerberos.ticket.renew.window.factor",
		"sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter",
	},
	List: {"bootstrap.servers", "interceptor.classes", "metric.reporters",
		"sasl.oauthbearer.expected.audience", "ssl.cipher.suites",
		"ssl.enabled.protocols",
	},
	Class: {"key.serializer", "partitioner.class",
		"sasl.client.callback.handler.class", "sasl.login.callback.handler.class",
		"sasl.login.class", "ssl.engine.factory.class", "value.serializer",
	},
	Password: {"sasl.jaas.config", "ssl.key.password",
		"ssl.keystore.certificate.chain", "ssl.keystore.key",
		"ssl.keystore.password", "ssl.truststore.certificates",
		"ssl.truststore.password",
	},
	String: {"acks", "client.dns.lookup", "client.id", "compression.type",
		"metadata.recovery.strategy", "metrics.recording.level",
		"sasl.kerberos.kinit.cmd", "sasl.kerberos.service.name", "sasl.mechanism",
		"sasl.oauthbearer.expected.issuer", "sasl.oauthbearer.jwks.endpoint.url",
		"sasl.oauthbearer.scope.claim.name", "sasl.oauthbearer.sub.claim.name",
		"sasl.oauthbearer.token.endpoint.url", "security.protocol",
		"security.providers", "ssl.endpoint.identification.algorithm",
		"ssl.keymanager.algorithm", "ssl.keystore.location", "ssl.keystore.type",
		"ssl.protocol", "ssl.provider", "ssl.secure.random.implementation",
		"ssl.trustmanager.algorithm", "ssl.truststore.location",
		"ssl.truststore.type", "transactional.id",
	},
})

// streams holds Kafka Streams configurations, with the two internal ones ksqlDB resolves.
var streams = typed(map[Type][]string{
	Boolean: {"enable.metrics.push"},
	Int: {"buffered.records.per.partition", "max.warmup.replicas",
		"metrics.num.samples", "num.standby.replicas", "num.stream.threads",
		"rack.aware.assignment.non_overlap_cost",
		"rack.aware.assignment.traffic_cost", "receive.buffer.bytes",
		"replication.factor", "request.timeout.ms", "send.buffer.bytes",
	},
	Long: {"acceptable.recovery.lag", "cache.max.bytes.buffering",
		"commit.interval.ms", "connections.max.idle.ms", "log.summary.interval.ms",
		"max.task.idle.ms", "metadata.max.age.ms", "metrics.sample.window.ms",
		"poll.ms", "probing.rebalance.interval.ms", "reconnect.backoff.max.ms",
		"reconnect.backoff.ms", "repartition.purge.interval.ms", "retry.backoff.ms",
		"state.cleanup.delay.ms", "statestore.cache.max.bytes", "task.timeout.ms",
		"window.size.ms", "windowstore.changelog.additional.retention.ms",
	},
	List: {"bootstrap.servers", "metric.reporters", "rack.aware.assignment.tags"},
	Class: {"default.client.supplier",
		"default.deserialization.exception.handler", "default.key.serde",
		"default.list.key.serde.inner", "default.list.key.serde.type",
		"default.list.value.serde.inner", "default.list.value.serde.type",
		"default.production.exception.handler", "default.timestamp.extractor",
		"default.value.serde", "deserialization.exception.handler",
		"dsl.store.suppliers.class", "processing.exception.handler",
		"production.exception.handler", "rocksdb.config.setter",
	},
	String: {"application.id", "application.server", "built.in.metrics.version",
		"client.id", "default.dsl.store", "metrics.recording.level",
		"processing.guarantee", "rack.aware.assignment.strategy",
		"security.protocol", "state.dir", "task.assignor.class",
		"topology.optimization", "upgrade.from", "windowed.inner.class.serde",
	},
	Unresolved: {"__emit.interval.ms.kstreams.outer.join.spurious.results.fix__",
		"__emit.interval.ms.kstreams.windowed.aggregation__",
	},
})

// topic holds topic configurations, which Streams takes after "topic.".
var topic = typed(map[Type][]string{
	Boolean: {"message.downconversion.enable", "preallocate",
		"remote.log.copy.disable", "remote.log.delete.on.disable",
		"remote.storage.enable", "unclean.leader.election.enable",
	},
	Int: {"compression.gzip.level", "compression.lz4.level",
		"compression.zstd.level", "index.interval.bytes", "max.message.bytes",
		"min.insync.replicas", "segment.bytes", "segment.index.bytes",
	},
	Long: {"delete.retention.ms", "file.delete.delay.ms", "flush.messages",
		"flush.ms", "local.retention.bytes", "local.retention.ms",
		"max.compaction.lag.ms", "message.timestamp.after.max.ms",
		"message.timestamp.before.max.ms", "message.timestamp.difference.max.ms",
		"min.compaction.lag.ms", "retention.bytes", "retention.ms",
		"segment.jitter.ms", "segment.ms",
	},
	Double: {"min.cleanable.dirty.ratio"},
	List: {"cleanup.policy", "follower.replication.throttled.replicas",
		"leader.replication.throttled.replicas",
	},
	String: {"compression.type", "message.format.version",
		"message.timestamp.type",
	},
})

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
