package connect

import (
	"fmt"
	"strings"
)

// Doc renders the reference of every connector, converter, transform and
// predicate in r, and the options every connector shares, as Markdown.
// docs/connectors.md is this text; a test keeps the two equal.
func Doc(r *Registry) string {
	var b strings.Builder
	b.WriteString("# Connectors\n\n")
	b.WriteString("<!-- Generated from the connector plugins' config specs; do not edit.\n")
	b.WriteString("     Regenerate with: EDDY_UPDATE_DOCS=1 go test ./cmd/eddy -run TestConnectorsDoc -->\n\n")
	b.WriteString("Connectors run inside eddy: `CREATE SOURCE CONNECTOR` and `CREATE SINK CONNECTOR` name one by its Kafka Connect class (or a short alias) in `connector.class`, with its options in the `WITH` clause. The configuration is checked before anything runs: unknown options, missing required ones and values of the wrong type are named in the error, and connectors that can reach their target check it. Configurations go through the command topic, so connectors survive restarts. `SHOW CONNECTOR PLUGINS` lists the classes below with their direction and version. `eddy server` also answers Kafka Connect's REST API for these connectors (`/connectors`, `/connector-plugins`), on its REST address and, with `--connect-listen host:port`, alone on a second one; see [connect-rest-api.md](connect-rest-api.md).\n\n")
	b.WriteString("A sink reads its topics through the consumer group `connect-<name>` and commits offsets only after the target has flushed the records before them. Servers of one service share a sink's partitions through that group. A source runs on one server of the service at a time (the one Kafka's group assignment of the `<service-id>connect-leases` topic picks; another takes over when it leaves); it stores its position per source partition in the compacted topic `<service-id>connect-offsets` after the records it covers are acknowledged, and resumes from there. A failed task restarts with exponential backoff. Its status is FAILED, as in Kafka Connect, with the error and `(restarting in 16s)`, and stays FAILED through the restarts, the trace saying which restart runs, until a run writes again (or runs twice the longest backoff without failing and with no batch in hand, an idle sink): a sink that fails on the same record each time shows FAILED steadily, not FAILED and RUNNING in turn. A restart asked for (the REST API's restart, a pause and resume) starts the task afresh, RUNNING, as Kafka Connect's does. A sink whose target is down retries its batch the same way while staying RUNNING, its trace the retry's reason; the error leaves the status as soon as a write succeeds again (for the MongoDB and Elasticsearch sinks, a bulk write, before the rest of the batch of up to 10,000 records), as Kafka Connect shows no trace for a RUNNING task. The time of the last error stays in the metric `eddy_connector_task_last_error_timestamp_seconds` (Kafka Connect's `last-error-timestamp`), and the server log keeps each error and the recovery. `DESCRIBE CONNECTOR` shows each task's state, its error and when it happened, and a sink's consumer lag. Dropping, pausing or stopping a connector, and stopping the server, wait at most 5 s for its tasks to stop (Kafka Connect's `task.shutdown.graceful.timeout.ms`): a task blocked in a call that ignores the stop (a write that never returns) is left to end when that call does, the server log saying so, where everything waited for it.\n\n")
	b.WriteString("## Connectors\n\n")
	for _, p := range r.Plugins() {
		fmt.Fprintf(&b, "### %s\n\n", p.Class)
		kind := strings.ToLower(string(p.Kind))
		fmt.Fprintf(&b, "%s%s connector", strings.ToUpper(kind[:1]), kind[1:])
		if len(p.Aliases) > 0 {
			fmt.Fprintf(&b, "; aliases: %s", codeList(p.Aliases))
		}
		b.WriteString(".\n\n")
		if p.Doc != "" {
			b.WriteString(p.Doc + "\n\n")
		}
		specTable(&b, p.Spec)
	}
	b.WriteString("## Options of every connector\n\n")
	b.WriteString("Sink-only options (topics, topics.regex, the dead letter queue) are rejected for sources.\n\n")
	specTable(&b, CommonSpec())
	b.WriteString("## Converters\n\n")
	b.WriteString("`key.converter` and `value.converter` name a converter; its options follow the prefix, e.g. `value.converter.schemas.enable`. The Schema Registry converters use eddy's own registry when `schema.registry.url` is absent or names it.\n\n")
	for _, c := range r.Converters() {
		fmt.Fprintf(&b, "### %s\n\n", c.Class)
		if len(c.Aliases) > 0 {
			fmt.Fprintf(&b, "Aliases: %s.\n\n", codeList(c.Aliases))
		}
		b.WriteString(c.Doc + "\n\n")
		specTable(&b, c.Spec)
	}
	b.WriteString("## Transforms\n\n")
	b.WriteString("`transforms` lists aliases, applied in that order; each is configured as `transforms.<alias>.type` plus its options under `transforms.<alias>.`. `transforms.<alias>.predicate` names a predicate alias from `predicates`; the transform then applies only to records the predicate matches (or does not match, with `transforms.<alias>.negate=true`). A record a transform fails on is handled by `errors.tolerance`; under `all` every skipped record is also described in the processing log (`KSQL_PROCESSING_LOG`).\n\n")
	for _, t := range r.Transforms() {
		fmt.Fprintf(&b, "### %s\n\n", t.Class)
		if len(t.Aliases) > 0 {
			fmt.Fprintf(&b, "Aliases: %s.\n\n", codeList(t.Aliases))
		}
		b.WriteString(t.Doc + "\n\n")
		specTable(&b, t.Spec)
	}
	b.WriteString("## Predicates\n\n")
	b.WriteString("`predicates` lists aliases; each is configured as `predicates.<alias>.type` plus its options under `predicates.<alias>.`.\n\n")
	for _, p := range r.Predicates() {
		fmt.Fprintf(&b, "### %s\n\n", p.Class)
		b.WriteString(p.Doc + "\n\n")
		specTable(&b, p.Spec)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func codeList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "`" + x + "`"
	}
	return strings.Join(q, ", ")
}

func specTable(b *strings.Builder, spec []ConfigField) {
	if len(spec) == 0 {
		b.WriteString("No options.\n\n")
		return
	}
	b.WriteString("| Option | Type | Default | Description |\n|---|---|---|---|\n")
	for _, f := range spec {
		def := "`" + f.Default + "`"
		switch {
		case f.Required:
			def = "required"
		case f.Default == "":
			def = ""
		}
		doc := f.Doc
		if len(f.Enum) > 0 {
			doc += " One of: " + strings.Join(f.Enum, ", ") + "."
		}
		if len(f.Aliases) > 0 {
			doc += " Also accepted as " + codeList(f.Aliases) + "."
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", f.Name, f.Type, def, strings.ReplaceAll(doc, "|", "\\|"))
	}
	b.WriteString("\n")
}
