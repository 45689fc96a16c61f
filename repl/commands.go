package repl

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

const helpText = `Statements end with ';' and may span several lines. Besides SQL:

  DEFINE name = 'value';   define a session variable, used as ${name}
  UNDEFINE name;           remove a session variable
  SHOW VARIABLES;          list session variables
  SET 'property'='value';  set a property sent with every later request
  UNSET 'property';        remove it again
  RUN SCRIPT 'file.sql';   run the statements in a file

Shell commands (no ';' needed):

  help                     this text
  output [TABULAR|JSON|CSV] show or change the output format
  history                  list previous statements
  version                  show the shell version
  clear                    clear the screen
  request-pipelining [ON|OFF]
                           OFF (default): each request to a server waits
                           until the server has applied this shell's last
                           command; ON: requests do not wait
  set cli WRAP ON|OFF      query rows: OFF cuts values at their column's
                           width, so each row is one line
  set cli COLUMN-WIDTH N   query rows: every column N characters wide
                           (0: share the terminal's width, the default)
  spool [FILE|OFF]         copy all output to FILE (appending), or stop
  server [URL]             show the server, or switch to the one at URL
                           (http://host:port or https://host:port)
  exit                     leave the shell (Ctrl-D also does)

Ctrl-C stops a running query; at the prompt it clears the line.`

// commandLine reports whether line is a shell command, with its name
// (lower case) and arguments. Commands are recognised only at the start
// of a statement and need no ';'.
func commandLine(line string) (name string, args []string, ok bool) {
	fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
	if len(fields) == 0 {
		return "", nil, false
	}
	name, args = strings.ToLower(fields[0]), fields[1:]
	switch name {
	case "help", "exit", "quit", "history", "version", "clear":
		ok = len(args) == 0
	case "output", "server", "request-pipelining":
		ok = len(args) <= 1
	case "spool":
		ok = true
	case "set":
		// set cli NAME VALUE; SET 'property'='value' is a statement.
		ok = len(args) >= 1 && strings.EqualFold(args[0], "cli")
	}
	return name, args, ok
}

// command runs a shell command if line is one.
func (s *shell) command(ctx context.Context, line string) (handled bool, err error) {
	name, args, ok := commandLine(line)
	if !ok {
		return false, nil
	}
	switch {
	case name == "help" && len(args) == 0:
		fmt.Fprintln(s.out, helpText)
	case (name == "exit" || name == "quit") && len(args) == 0:
		return true, errExit
	case name == "output" && len(args) <= 1:
		if len(args) == 1 {
			if err := s.setOutput(args[0]); err != nil {
				return true, err
			}
		}
		fmt.Fprintf(s.out, "Output format: %s\n", s.output)
	case name == "history" && len(args) == 0:
		for i, h := range s.history {
			fmt.Fprintf(s.out, "%5d  %s\n", i+1, h)
		}
	case name == "version" && len(args) == 0:
		v := s.version
		if v == "" {
			v = "unknown"
		}
		fmt.Fprintf(s.out, "Version: %s\n", v)
	case name == "server" && len(args) <= 1:
		return true, s.server(ctx, args)
	case name == "request-pipelining" && len(args) <= 1:
		return true, s.requestPipelining(args)
	case name == "spool":
		return true, s.spoolCommand(args)
	case name == "set":
		return true, s.setCLI(args[1:])
	case name == "clear" && len(args) == 0:
		fmt.Fprint(s.out, "\033[H\033[2J")
	default:
		return false, nil
	}
	return true, nil
}

// setCLI is `set cli NAME VALUE` (ksqlDB's CLI settings, for the table
// of query rows): WRAP ON|OFF and COLUMN-WIDTH N; with no name it lists
// them.
func (s *shell) setCLI(args []string) error {
	wrap := "ON"
	if s.noWrap {
		wrap = "OFF"
	}
	switch {
	case len(args) == 0:
		fmt.Fprintf(s.out, "WRAP: %s\nCOLUMN-WIDTH: %d\n", wrap, s.colWidth)
		return nil
	case len(args) != 2:
		return fmt.Errorf("set cli: want 'set cli WRAP ON|OFF' or 'set cli COLUMN-WIDTH N'")
	}
	switch name, value := strings.ToUpper(args[0]), args[1]; name {
	case "WRAP":
		switch strings.ToUpper(value) {
		case "ON":
			s.noWrap = false
		case "OFF":
			s.noWrap = true
		default:
			return fmt.Errorf("set cli WRAP: want ON or OFF, not %q", value)
		}
		fmt.Fprintf(s.out, "WRAP: %s\n", strings.ToUpper(value))
	case "COLUMN-WIDTH":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("set cli COLUMN-WIDTH: want a number of characters, 0 or more, not %q", value)
		}
		s.colWidth = n
		fmt.Fprintf(s.out, "COLUMN-WIDTH: %d\n", n)
	default:
		return fmt.Errorf("set cli: unknown setting %q (WRAP, COLUMN-WIDTH)", args[0])
	}
	return nil
}
