// Package confignames knows the names of ksqlDB's configurations and of
// Apache Kafka's consumer, producer, Streams and topic configurations,
// listed from their configuration definitions: what a name must be for
// ksqlDB, which resolves property names against them all, or Kafka to
// take it.
package confignames

// Consumer reports whether name is a consumer configuration.
func Consumer(name string) bool { return consumer[name] }

// Producer reports whether name is a producer configuration.
func Producer(name string) bool { return producer[name] }

// Streams reports whether name is a Kafka Streams configuration.
func Streams(name string) bool { return streams[name] }

// Topic reports whether name is a topic configuration.
func Topic(name string) bool { return topic[name] }

// consumer holds Kafka consumer configurations.
var consumer = setOf(
	"allow.auto.create.topics", "auto.commit.interval.ms", "auto.offset.reset",
	"bootstrap.servers", "check.crcs", "client.dns.lookup", "client.id",
	"client.rack", "connections.max.idle.ms", "default.api.timeout.ms",
	"enable.auto.commit", "enable.metrics.push", "exclude.internal.topics",
	"fetch.max.bytes", "fetch.max.wait.ms", "fetch.min.bytes", "group.id",
	"group.instance.id", "group.protocol", "group.remote.assignor",
	"heartbeat.interval.ms", "interceptor.classes", "isolation.level",
	"key.deserializer", "max.partition.fetch.bytes", "max.poll.interval.ms",
	"max.poll.records", "metadata.max.age.ms", "metadata.recovery.strategy",
	"metric.reporters", "metrics.num.samples", "metrics.recording.level",
	"metrics.sample.window.ms", "partition.assignment.strategy",
	"receive.buffer.bytes", "reconnect.backoff.max.ms", "reconnect.backoff.ms",
	"request.timeout.ms", "retry.backoff.max.ms", "retry.backoff.ms",
	"sasl.client.callback.handler.class", "sasl.jaas.config",
	"sasl.kerberos.kinit.cmd", "sasl.kerberos.min.time.before.relogin",
	"sasl.kerberos.service.name", "sasl.kerberos.ticket.renew.jitter",
	"sasl.kerberos.ticket.renew.window.factor",
	"sasl.login.callback.handler.class", "sasl.login.class",
	"sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
	"sasl.login.refresh.buffer.seconds",
	"sasl.login.refresh.min.period.seconds", "sasl.login.refresh.window.factor",
	"sasl.login.refresh.window.jitter", "sasl.login.retry.backoff.max.ms",
	"sasl.login.retry.backoff.ms", "sasl.mechanism",
	"sasl.oauthbearer.clock.skew.seconds", "sasl.oauthbearer.expected.audience",
	"sasl.oauthbearer.expected.issuer", "sasl.oauthbearer.header.urlencode",
	"sasl.oauthbearer.jwks.endpoint.refresh.ms",
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
	"sasl.oauthbearer.jwks.endpoint.url", "sasl.oauthbearer.scope.claim.name",
	"sasl.oauthbearer.sub.claim.name", "sasl.oauthbearer.token.endpoint.url",
	"security.protocol", "security.providers", "send.buffer.bytes",
	"session.timeout.ms", "socket.connection.setup.timeout.max.ms",
	"socket.connection.setup.timeout.ms", "ssl.cipher.suites",
	"ssl.enabled.protocols", "ssl.endpoint.identification.algorithm",
	"ssl.engine.factory.class", "ssl.key.password", "ssl.keymanager.algorithm",
	"ssl.keystore.certificate.chain", "ssl.keystore.key",
	"ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type",
	"ssl.protocol", "ssl.provider", "ssl.secure.random.implementation",
	"ssl.trustmanager.algorithm", "ssl.truststore.certificates",
	"ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
	"value.deserializer",
)

// producer holds Kafka producer configurations.
var producer = setOf(
	"acks", "batch.size", "bootstrap.servers", "buffer.memory",
	"client.dns.lookup", "client.id", "compression.gzip.level",
	"compression.lz4.level", "compression.type", "compression.zstd.level",
	"connections.max.idle.ms", "delivery.timeout.ms", "enable.idempotence",
	"enable.metrics.push", "interceptor.classes", "key.serializer", "linger.ms",
	"max.block.ms", "max.in.flight.requests.per.connection", "max.request.size",
	"metadata.max.age.ms", "metadata.max.idle.ms", "metadata.recovery.strategy",
	"metric.reporters", "metrics.num.samples", "metrics.recording.level",
	"metrics.sample.window.ms", "partitioner.adaptive.partitioning.enable",
	"partitioner.availability.timeout.ms", "partitioner.class",
	"partitioner.ignore.keys", "receive.buffer.bytes",
	"reconnect.backoff.max.ms", "reconnect.backoff.ms", "request.timeout.ms",
	"retries", "retry.backoff.max.ms", "retry.backoff.ms",
	"sasl.client.callback.handler.class", "sasl.jaas.config",
	"sasl.kerberos.kinit.cmd", "sasl.kerberos.min.time.before.relogin",
	"sasl.kerberos.service.name", "sasl.kerberos.ticket.renew.jitter",
	"sasl.kerberos.ticket.renew.window.factor",
	"sasl.login.callback.handler.class", "sasl.login.class",
	"sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
	"sasl.login.refresh.buffer.seconds",
	"sasl.login.refresh.min.period.seconds", "sasl.login.refresh.window.factor",
	"sasl.login.refresh.window.jitter", "sasl.login.retry.backoff.max.ms",
	"sasl.login.retry.backoff.ms", "sasl.mechanism",
	"sasl.oauthbearer.clock.skew.seconds", "sasl.oauthbearer.expected.audience",
	"sasl.oauthbearer.expected.issuer", "sasl.oauthbearer.header.urlencode",
	"sasl.oauthbearer.jwks.endpoint.refresh.ms",
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
	"sasl.oauthbearer.jwks.endpoint.url", "sasl.oauthbearer.scope.claim.name",
	"sasl.oauthbearer.sub.claim.name", "sasl.oauthbearer.token.endpoint.url",
	"security.protocol", "security.providers", "send.buffer.bytes",
	"socket.connection.setup.timeout.max.ms",
	"socket.connection.setup.timeout.ms", "ssl.cipher.suites",
	"ssl.enabled.protocols", "ssl.endpoint.identification.algorithm",
	"ssl.engine.factory.class", "ssl.key.password", "ssl.keymanager.algorithm",
	"ssl.keystore.certificate.chain", "ssl.keystore.key",
	"ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type",
	"ssl.protocol", "ssl.provider", "ssl.secure.random.implementation",
	"ssl.trustmanager.algorithm", "ssl.truststore.certificates",
	"ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
	"transaction.timeout.ms", "transactional.id", "value.serializer",
)

// streams holds Kafka Streams configurations, with the two internal ones ksqlDB resolves.
var streams = setOf(
	"__emit.interval.ms.kstreams.outer.join.spurious.results.fix__",
	"__emit.interval.ms.kstreams.windowed.aggregation__",
	"acceptable.recovery.lag", "application.id", "application.server",
	"bootstrap.servers", "buffered.records.per.partition",
	"built.in.metrics.version", "cache.max.bytes.buffering", "client.id",
	"commit.interval.ms", "connections.max.idle.ms", "default.client.supplier",
	"default.deserialization.exception.handler", "default.dsl.store",
	"default.key.serde", "default.list.key.serde.inner",
	"default.list.key.serde.type", "default.list.value.serde.inner",
	"default.list.value.serde.type", "default.production.exception.handler",
	"default.timestamp.extractor", "default.value.serde",
	"deserialization.exception.handler", "dsl.store.suppliers.class",
	"enable.metrics.push", "log.summary.interval.ms", "max.task.idle.ms",
	"max.warmup.replicas", "metadata.max.age.ms", "metric.reporters",
	"metrics.num.samples", "metrics.recording.level",
	"metrics.sample.window.ms", "num.standby.replicas", "num.stream.threads",
	"poll.ms", "probing.rebalance.interval.ms", "processing.exception.handler",
	"processing.guarantee", "production.exception.handler",
	"rack.aware.assignment.non_overlap_cost", "rack.aware.assignment.strategy",
	"rack.aware.assignment.tags", "rack.aware.assignment.traffic_cost",
	"receive.buffer.bytes", "reconnect.backoff.max.ms", "reconnect.backoff.ms",
	"repartition.purge.interval.ms", "replication.factor", "request.timeout.ms",
	"retry.backoff.ms", "rocksdb.config.setter", "security.protocol",
	"send.buffer.bytes", "state.cleanup.delay.ms", "state.dir",
	"statestore.cache.max.bytes", "task.assignor.class", "task.timeout.ms",
	"topology.optimization", "upgrade.from", "window.size.ms",
	"windowed.inner.class.serde",
	"windowstore.changelog.additional.retention.ms",
)

// topic holds topic configurations, which Streams takes after "topic.".
var topic = setOf(
	"cleanup.policy", "compression.gzip.level", "compression.lz4.level",
	"compression.type", "compression.zstd.level", "delete.retention.ms",
	"file.delete.delay.ms", "flush.messages", "flush.ms",
	"follower.replication.throttled.replicas", "index.interval.bytes", "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
	"max.compaction.lag.ms", "max.message.bytes",
	"message.downconversion.enable", "message.format.version",
	"message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
	"message.timestamp.difference.max.ms", "message.timestamp.type",
	"min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas",
	"preallocate", "remote.log.copy.disable", "remote.log.delete.on.disable",
	"remote.storage.enable", "retention.bytes", "retention.ms", "segment.bytes",
	"segment.index.bytes", "segment.jitter.ms", "segment.ms",
	"unclean.leader.election.enable",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
