package main

import (
	"github.com/eddysql/eddy/connect"
	"github.com/eddysql/eddy/connect/clickhouse"
	"github.com/eddysql/eddy/connect/convert"
	"github.com/eddysql/eddy/connect/datagen"
	"github.com/eddysql/eddy/connect/elasticsearch"
	"github.com/eddysql/eddy/connect/file"
	"github.com/eddysql/eddy/connect/jdbc"
	"github.com/eddysql/eddy/connect/mongodb"
	"github.com/eddysql/eddy/connect/mysqlcdc"
	"github.com/eddysql/eddy/connect/transform"
)

// connectors returns the built-in connector plugins, converters and
// transforms. A connector package joins by adding its Register here.
func connectors() *connect.Registry {
	r := connect.NewRegistry()
	convert.Register(r)
	transform.Register(r)
	datagen.Register(r)
	file.Register(r)
	mysqlcdc.Register(r)
	elasticsearch.Register(r)
	mongodb.Register(r)
	jdbc.Register(r)
	clickhouse.Register(r)
	return r
}
