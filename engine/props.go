package engine

import "github.com/eddysql/eddy/sql"

// checkProps refuses a request whose session properties hold a value
// Kafka's clients would refuse (sql.CheckProperty).
func checkProps(props map[string]string) error {
	for k, v := range props {
		if err := sql.CheckProperty(k, v); err != nil {
			return &stmtErr{msg: err.Error()}
		}
	}
	return nil
}
