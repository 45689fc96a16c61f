package confignames

// KsqlDB returns the type of one of ksqlDB's own (ksql.*)
// configurations, or false.
func KsqlDB(name string) (Type, bool) { t, ok := ksql[name]; return t, ok }

// Request returns the type of one of ksqlDB's request.ksql.*
// configurations, or false.
func Request(name string) (Type, bool) { t, ok := request[name]; return t, ok }

// EddyReads reports whether name is a setting eddy reads per request that
// ksqlDB keeps out of its resolver.
func EddyReads(name string) bool { return eddyRead[name] }

// ksql holds the ksql.* configurations (ksql.functions.* are free-form).
var ksql = typed(map[Type][]string{
	Boolean: {"ksql.cast.strings.preserve.nulls",
		"ksql.client.ip_port.configuration.enabled",
		"ksql.connect.basic.auth.credentials.reload",
		"ksql.create.or.replace.enabled",
		"ksql.create.topic.inherit.source.replicas.enabled",
		"ksql.endpoint.migrate.query", "ksql.headers.columns.enabled",
		"ksql.insert.into.values.enabled",
		"ksql.json_sr.converter.deserializer.enabled", "ksql.lambdas.enabled",
		"ksql.nested.error.set.null", "ksql.new.query.planner.enabled",
		"ksql.persistence.wrap.single.values", "ksql.properties.overrides.log",
		"ksql.properties.overrides.range.validation.log.enabled",
		"ksql.properties.overrides.validation.restore.enabled",
		"ksql.proxy.protocol.local.mode.enabled", "ksql.pull.queries.enable",
		"ksql.query.pull.enable.standby.reads",
		"ksql.query.pull.interpreter.enabled",
		"ksql.query.pull.limit.clause.enabled", "ksql.query.pull.metrics.enabled",
		"ksql.query.pull.range.scan.enabled", "ksql.query.pull.stream.enabled",
		"ksql.query.pull.table.scan.enabled", "ksql.query.push.v2.alos.enabled",
		"ksql.query.push.v2.continuation.tokens.enabled",
		"ksql.query.push.v2.enabled", "ksql.query.push.v2.interpreter.enabled",
		"ksql.query.push.v2.metrics.enabled",
		"ksql.query.push.v2.registry.installed",
		"ksql.queryanonymizer.logs_enabled", "ksql.runtime.feature.shared.enabled",
		"ksql.source.table.materialization.enabled", "ksql.suppress.enabled",
		"ksql.timestamp.throw.on.invalid",
		"ksql.transient.query.cleanup.service.enable", "ksql.udf.collect.metrics",
		"ksql.udfs.enabled", "ksql.variable.substitution.enable",
	},
	Short: {"ksql.internal.topic.min.insync.replicas",
		"ksql.internal.topic.replicas",
	},
	Int: {"ksql.assert.schema.default.timeout.ms",
		"ksql.assert.topic.default.timeout.ms", "ksql.query.error.max.queue.size",
		"ksql.query.persistent.active.limit",
		"ksql.query.pull.coordinator.queue.capacity",
		"ksql.query.pull.max.concurrent.requests",
		"ksql.query.pull.max.hourly.bandwidth.megabytes", "ksql.query.pull.max.qps",
		"ksql.query.pull.router.queue.capacity",
		"ksql.query.pull.router.thread.pool.size",
		"ksql.query.pull.thread.pool.size",
		"ksql.query.push.v2.max.catchup.consumers",
		"ksql.query.push.v2.max.hourly.bandwidth.megabytes",
		"ksql.query.status.running.threshold.seconds", "ksql.shared.runtimes.count",
		"ksql.transient.query.cleanup.service.initial.delay.seconds",
		"ksql.transient.query.cleanup.service.period.seconds",
	},
	Long: {"ksql.admin.request.retry.timeout.ms",
		"ksql.authorization.cache.expiry.time.secs",
		"ksql.authorization.cache.max.entries", "ksql.connect.request.timeout.ms",
		"ksql.fetch.remote.hosts.max.timeout.seconds",
		"ksql.query.cleanup.shutdown.timeout.ms",
		"ksql.query.persistent.max.bytes.buffering.total",
		"ksql.query.pull.forwarding.timeout.ms",
		"ksql.query.pull.max.allowed.offset.lag",
		"ksql.query.push.v2.catchup.consumer.msg.window",
		"ksql.query.push.v2.latest.reset.age.ms",
		"ksql.query.push.v2.new.latest.delay.ms",
		"ksql.query.retry.backoff.initial.ms", "ksql.query.retry.backoff.max.ms",
		"ksql.query.transient.max.bytes.buffering.total",
		"ksql.sink.window.change.log.additional.retention",
		"ksql.streams.shutdown.timeout.ms", "ksql.suppress.buffer.size.bytes",
		"ksql.websocket.connection.max.timeout.ms",
	},
	List: {"ksql.hidden.topics", "ksql.kafka.client.additional.config.prefixes",
		"ksql.properties.overrides.allowlist", "ksql.properties.overrides.denylist",
		"ksql.readonly.topics",
	},
	Class: {"ksql.connect.request.headers.plugin", "ksql.metrics.extension",
		"ksql.security.extension.class",
	},
	String: {"ksql.access.validator.enable",
		"ksql.connect.basic.auth.credentials.file",
		"ksql.connect.basic.auth.credentials.source", "ksql.connect.url",
		"ksql.connect.worker.config", "ksql.deployment.type",
		"ksql.error.classifier.regex", "ksql.extension.dir",
		"ksql.metastore.backup.location", "ksql.metrics.tags.custom",
		"ksql.output.topic.name.prefix", "ksql.persistence.default.format.key",
		"ksql.persistence.default.format.value", "ksql.persistent.prefix",
		"ksql.properties.overrides.validation.mode",
		"ksql.queryanonymizer.cluster_namespace", "ksql.resource.extension.class",
		"ksql.schema.registry.url", "ksql.service.id", "ksql.transient.prefix",
	},
})

// request holds the request.ksql.* configurations.
var request = typed(map[Type][]string{
	Boolean: {"request.ksql.debug.request", "request.ksql.internal.request",
		"request.ksql.query.pull.skip.forwarding",
		"request.ksql.query.push.skip.forwarding",
	},
	List: {"request.ksql.query.pull.partition"},
	String: {"request.ksql.query.push.catchup.consumer.group",
		"request.ksql.query.push.continuation.token",
	},
})

// eddyRead holds settings eddy reads that ksqlDB keeps out of the
// resolver: its processing log's and RocksDB's server settings, the
// production-error switch it names, and eddy's store kind.
var eddyRead = setOf(
	"ksql.fail.on.production.error", "ksql.logging.processing.rows.include",
	"ksql.logging.processing.stream.auto.create", "ksql.logging.processing.topic.auto.create",
	"ksql.logging.processing.topic.name", "ksql.logging.processing.topic.partitions",
	"ksql.logging.processing.topic.replication.factor", "ksql.plugins.rocksdb.cache.size",
	"ksql.state.store",
)

// Immutable reports whether name is one ksqlDB refuses to have set per
// session or request (its ImmutableProperties): the Kafka cluster, some
// server-wide ksql settings, and the clients' SSL settings.
func Immutable(name string) bool { return immutable[name] }

var immutable = setOf(
	"bootstrap.servers", "ksql.extension.dir", "ksql.headers.columns.enabled",
	"ksql.hidden.topics", "ksql.pull.queries.enable",
	"ksql.query.persistent.active.limit", "ksql.readonly.topics",
	"ksql.source.table.materialization.enabled",
	// SslConfigs.addClientSslSupport's names
	"ssl.cipher.suites", "ssl.enabled.protocols",
	"ssl.endpoint.identification.algorithm", "ssl.engine.factory.class",
	"ssl.key.password", "ssl.keymanager.algorithm",
	"ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.keystore.location",
	"ssl.keystore.password", "ssl.keystore.type", "ssl.protocol", "ssl.provider",
	"ssl.secure.random.implementation", "ssl.trustmanager.algorithm",
	"ssl.truststore.certificates", "ssl.truststore.location",
	"ssl.truststore.password", "ssl.truststore.type",
)
