package expr

import "github.com/eddysql/eddy/sql"

// FormatExpr renders an expression the way ksqlDB prints it in error
// messages: binary operations parenthesised, literals in SQL form. It is
// the parser's formatter, so messages and EXPLAIN agree.
func FormatExpr(e sql.Expr) string { return sql.FormatExpr(e) }
