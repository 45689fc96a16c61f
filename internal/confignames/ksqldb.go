package confignames

// KsqlDB reports whether name is one of ksqlDB's own (ksql.*)
// configurations.
func KsqlDB(name string) bool { return ksql[name] }

// Request reports whether name is one of ksqlDB's request.ksql.*
// configurations.
func Request(name string) bool { return request[name] }

// EddyReads reports whether name is a setting eddy reads per request that
// ksqlDB keeps out of its resolver.
func EddyReads(name string) bool { return eddyRead[name] }

// ksql holds the ksql.* configurations (ksql.functions.* are free-form).
var ksql = setOf(
	"ksql.access.validator.enable", "ksql.admin.request.retry.timeout.ms",
	"ksql.assert.schema.default.timeout.ms",
	"ksql.assert.topic.default.timeout.ms",
	"ksql.authorization.cache.expiry.time.secs",
	"ksql.authorization.cache.max.entries", "ksql.cast.strings.preserve.nulls",
	"ksql.client.ip_port.configuration.enabled",
	"ksql.connect.basic.auth.credentials.file",
	"ksql.connect.basic.auth.credentials.reload",
	"ksql.connect.basic.auth.credentials.source",
	"ksql.connect.request.headers.plugin", "ksql.connect.request.timeout.ms",
	"ksql.connect.url", "ksql.connect.worker.config",
	"ksql.create.or.replace.enabled",
	"ksql.create.topic.inherit.source.replicas.enabled", "ksql.deployment.type",
	"ksql.endpoint.migrate.query", "ksql.error.classifier.regex",
	"ksql.extension.dir", "ksql.fetch.remote.hosts.max.timeout.seconds",
	"ksql.headers.columns.enabled", "ksql.hidden.topics",
	"ksql.insert.into.values.enabled",
	"ksql.internal.topic.min.insync.replicas", "ksql.internal.topic.replicas",
	"ksql.json_sr.converter.deserializer.enabled",
	"ksql.kafka.client.additional.config.prefixes", "ksql.lambdas.enabled",
	"ksql.metastore.backup.location", "ksql.metrics.extension",
	"ksql.metrics.tags.custom", "ksql.nested.error.set.null",
	"ksql.new.query.planner.enabled", "ksql.output.topic.name.prefix",
	"ksql.persistence.default.format.key",
	"ksql.persistence.default.format.value",
	"ksql.persistence.wrap.single.values", "ksql.persistent.prefix",
	"ksql.properties.overrides.allowlist", "ksql.properties.overrides.denylist",
	"ksql.properties.overrides.log",
	"ksql.properties.overrides.range.validation.log.enabled",
	"ksql.properties.overrides.validation.mode",
	"ksql.properties.overrides.validation.restore.enabled",
	"ksql.proxy.protocol.local.mode.enabled", "ksql.pull.queries.enable",
	"ksql.query.cleanup.shutdown.timeout.ms", "ksql.query.error.max.queue.size",
	"ksql.query.persistent.active.limit",
	"ksql.query.persistent.max.bytes.buffering.total",
	"ksql.query.pull.coordinator.queue.capacity",
	"ksql.query.pull.enable.standby.reads",
	"ksql.query.pull.forwarding.timeout.ms",
	"ksql.query.pull.interpreter.enabled",
	"ksql.query.pull.limit.clause.enabled",
	"ksql.query.pull.max.allowed.offset.lag",
	"ksql.query.pull.max.concurrent.requests",
	"ksql.query.pull.max.hourly.bandwidth.megabytes", "ksql.query.pull.max.qps",
	"ksql.query.pull.metrics.enabled", "ksql.query.pull.range.scan.enabled",
	"ksql.query.pull.router.queue.capacity",
	"ksql.query.pull.router.thread.pool.size", "ksql.query.pull.stream.enabled",
	"ksql.query.pull.table.scan.enabled", "ksql.query.pull.thread.pool.size",
	"ksql.query.push.v2.alos.enabled",
	"ksql.query.push.v2.catchup.consumer.msg.window",
	"ksql.query.push.v2.continuation.tokens.enabled",
	"ksql.query.push.v2.enabled", "ksql.query.push.v2.interpreter.enabled",
	"ksql.query.push.v2.latest.reset.age.ms",
	"ksql.query.push.v2.max.catchup.consumers",
	"ksql.query.push.v2.max.hourly.bandwidth.megabytes",
	"ksql.query.push.v2.metrics.enabled",
	"ksql.query.push.v2.new.latest.delay.ms",
	"ksql.query.push.v2.registry.installed",
	"ksql.query.retry.backoff.initial.ms", "ksql.query.retry.backoff.max.ms",
	"ksql.query.status.running.threshold.seconds",
	"ksql.query.transient.max.bytes.buffering.total",
	"ksql.queryanonymizer.cluster_namespace",
	"ksql.queryanonymizer.logs_enabled", "ksql.readonly.topics",
	"ksql.resource.extension.class", "ksql.runtime.feature.shared.enabled",
	"ksql.schema.registry.url", "ksql.security.extension.class",
	"ksql.service.id", "ksql.shared.runtimes.count",
	"ksql.sink.window.change.log.additional.retention",
	"ksql.source.table.materialization.enabled",
	"ksql.streams.shutdown.timeout.ms", "ksql.suppress.buffer.size.bytes",
	"ksql.suppress.enabled", "ksql.timestamp.throw.on.invalid",
	"ksql.transient.prefix", "ksql.transient.query.cleanup.service.enable",
	"ksql.transient.query.cleanup.service.initial.delay.seconds",
	"ksql.transient.query.cleanup.service.period.seconds",
	"ksql.udf.collect.metrics", "ksql.udfs.enabled",
	"ksql.variable.substitution.enable",
	"ksql.websocket.connection.max.timeout.ms",
)

// request holds the request.ksql.* configurations.
var request = setOf(
	"request.ksql.debug.request", "request.ksql.internal.request",
	"request.ksql.query.pull.partition",
	"request.ksql.query.pull.skip.forwarding",
	"request.ksql.query.push.catchup.consumer.group",
	"request.ksql.query.push.continuation.token",
	"request.ksql.query.push.skip.forwarding",
)

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
