// Package migrations is `eddy migrations`, a schema-migrations tool
// compatible with ksqlDB's ksql-migrations: the same commands and
// options, the same project layout (ksql-migrations.properties and a
// migrations/ directory of V000001__name.sql files), and the same
// metadata stream and table on the server, so that a project started
// with either tool can be carried on with the other.
//
// It is a client: everything it does on the server goes through the
// ksqlDB-compatible REST API (/info, /ksql, /query, /inserts-stream).
package migrations

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// commandName is how messages tell the user to run a command.
const commandName = "eddy migrations"

// tool is one run of the command: where it writes and what time it is.
type tool struct {
	out, errw io.Writer
	now       func() time.Time
}

func (t *tool) infof(format string, args ...any) {
	fmt.Fprintf(t.out, format+"\n", args...)
}

func (t *tool) warnf(format string, args ...any) {
	fmt.Fprintf(t.errw, "WARNING: "+format+"\n", args...)
}

func (t *tool) errorf(format string, args ...any) {
	fmt.Fprintf(t.errw, "ERROR: "+format+"\n", args...)
}

// Main runs `eddy migrations ARGS` and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	t := &tool{out: stdout, errw: stderr, now: time.Now}
	return t.main(args)
}

// options are the parsed command line.
type options struct {
	command    string
	configFile string
	args       []string // positional arguments
	help       bool

	// apply
	all, next, dryRun bool
	until, version    int
	defines           []string
	headersFile       string
	// versionSet says -v was given (create's and apply's).
	versionSet, untilSet bool
}

// commands are the commands with their one-line descriptions, in the
// order help lists them.
var commands = []struct{ name, desc string }{
	{"apply", "Applies migration files to the server, bringing it to a newer schema version."},
	{"create", "Creates a blank migration file with the given description, to be filled with statements and applied as the next schema version."},
	{"destroy-metadata", "Destroys the migrations metadata stream and table on the server, and their topics. This cannot be undone."},
	{"help", "Shows this help, or one command's."},
	{"info", "Displays the current migration version and the state of every migration file."},
	{"initialize-metadata", "Creates the migrations metadata stream and table on the server."},
	{"new-project", "Creates a new migrations project: its directory, config file and migrations/ directory."},
	{"validate", "Checks that the migrations already applied match the local files (by checksum)."},
}

var commandHelp = map[string]string{
	"apply": `usage: eddy migrations {-c | --config-file} <config-file> apply
        [ {-a | --all} ] [ {-n | --next} ] [ {-u | --until} <untilVersion> ]
        [ {-v | --version} <version> ] [ {-d | --define} <name>=<value> ]...
        [ --headers <headersFile> ] [ --dry-run ]

Applies migration files after the latest applied version. Exactly one of
--all, --next, --until or --version says which. --define sets a variable
for every file, as a DEFINE at its top would; --dry-run shows the files and
their statements without sending any statement to the server.`,
	"create": `usage: eddy migrations {-c | --config-file} <config-file> create
        [ {-v | --version} <version> ] [--] <description>

Creates an empty migration file V<version>__<description>.sql; the version
defaults to one more than the highest existing file's.`,
	"destroy-metadata": `usage: eddy migrations {-c | --config-file} <config-file> destroy-metadata

Terminates the query of the metadata table, then drops the table and the
stream with their topics. Applied migrations are not undone.`,
	"info":                `usage: eddy migrations {-c | --config-file} <config-file> info`,
	"initialize-metadata": `usage: eddy migrations {-c | --config-file} <config-file> initialize-metadata`,
	"new-project": `usage: eddy migrations new-project [--] <project-path> <ksql-server-url>

Creates <project-path>/ksql-migrations.properties for the server at
<ksql-server-url> and an empty <project-path>/migrations directory.`,
	"validate": `usage: eddy migrations {-c | --config-file} <config-file> validate`,
	"help":     `usage: eddy migrations help [<command>]`,
}

func (t *tool) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: eddy migrations [ {-c | --config-file} <config-file> ] <command> [ <args> ]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Manages schema migrations of a server compatible with ksqlDB, as ksql-migrations does.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands are:")
	for _, c := range commands {
		fmt.Fprintf(w, "    %-21s %s\n", c.name, c.desc)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "See 'eddy migrations help <command>' for more information on a specific command.")
}

func (t *tool) main(args []string) int {
	o, err := parseArgs(args)
	if err != nil {
		t.errorf("%v", err)
		return 1
	}
	if o.command == "" || o.command == "help" && len(o.args) == 0 {
		t.usage(t.out)
		return 0
	}
	if o.command == "help" {
		h, ok := commandHelp[o.args[0]]
		if !ok {
			t.errorf("Unknown command: %s", o.args[0])
			return 1
		}
		fmt.Fprintln(t.out, h)
		return 0
	}
	if o.help {
		fmt.Fprintln(t.out, commandHelp[o.command])
		return 0
	}
	start := t.now()
	var status int
	switch o.command {
	case "new-project":
		status = t.newProject(o)
	case "create":
		status = t.create(o)
	default:
		status = t.withServer(o)
	}
	t.infof("Execution time: %.4f seconds", t.now().Sub(start).Seconds())
	return status
}

// parseArgs reads the command line: the config file option may come
// before or after the command; "--" ends the options.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	known := map[string]bool{}
	for _, c := range commands {
		known[c.name] = true
	}
	seen := map[string]bool{}
	once := func(name string) error {
		if seen[name] {
			return fmt.Errorf("Option '%s' may be specified at most once", name)
		}
		seen[name] = true
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			name, val, hasVal = strings.Cut(a, "=")
		}
		takeValue := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("Required values for option '%s' not provided", name)
			}
			i++
			return args[i], nil
		}
		intValue := func(opt string) (int, error) {
			v, err := takeValue()
			if err != nil {
				return 0, err
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, fmt.Errorf("%s: can not convert \"%s\" to a int", opt, v)
			}
			if n < 1 || n > 999999 {
				return 0, fmt.Errorf("Value for option '%s' was given as '%d' which is not in the acceptable range: 1 <= value <= 999999", opt, n)
			}
			return n, nil
		}
		var err error
		switch {
		case a == "--":
			if o.command == "" {
				return nil, fmt.Errorf("No command specified")
			}
			o.args = append(o.args, args[i+1:]...)
			i = len(args)
		case name == "-c" || name == "--config-file":
			if err = once("config-file"); err == nil {
				o.configFile, err = takeValue()
			}
		case name == "-h" || name == "--help":
			o.help = true
		case o.command == "":
			if strings.HasPrefix(a, "-") {
				return nil, fmt.Errorf("Found unexpected parameters: [%s]", a)
			}
			if !known[a] {
				return nil, fmt.Errorf("Command '%s' not recognized", a)
			}
			o.command = a
		case o.command == "apply" && (name == "-a" || name == "--all"):
			err = once("all")
			o.all = true
		case o.command == "apply" && (name == "-n" || name == "--next"):
			err = once("next")
			o.next = true
		case o.command == "apply" && (name == "-u" || name == "--until"):
			if err = once("until"); err == nil {
				o.until, err = intValue("untilVersion")
				o.untilSet = true
			}
		case (o.command == "apply" || o.command == "create") && (name == "-v" || name == "--version"):
			if err = once("version"); err == nil {
				o.version, err = intValue("version")
				o.versionSet = true
			}
		case o.command == "apply" && name == "--dry-run":
			err = once("dry-run")
			o.dryRun = true
		case o.command == "apply" && (name == "-d" || name == "--define"):
			var v string
			if v, err = takeValue(); err == nil {
				o.defines = append(o.defines, v)
			}
		case o.command == "apply" && name == "--headers":
			if err = once("headers"); err == nil {
				o.headersFile, err = takeValue()
			}
		case strings.HasPrefix(a, "-") && a != "-":
			return nil, fmt.Errorf("Found unexpected parameters: [%s]", a)
		default:
			o.args = append(o.args, a)
		}
		if err != nil {
			return nil, err
		}
	}
	if o.help || o.command == "help" {
		return o, nil
	}
	switch o.command {
	case "apply":
		n := 0
		for _, b := range []bool{o.all, o.next, o.untilSet, o.versionSet} {
			if b {
				n++
			}
		}
		if n != 1 {
			return nil, fmt.Errorf("Exactly one of the options [-a/--all, -n/--next, -u/--until, -v/--version] must be given, but %d were", n)
		}
		if len(o.args) > 0 {
			return nil, fmt.Errorf("Found unexpected parameters: %v", o.args)
		}
	case "create":
		if len(o.args) == 0 {
			return nil, fmt.Errorf("Required arguments are missing: 'description'")
		}
		if len(o.args) > 1 {
			return nil, fmt.Errorf("Found unexpected parameters: %v (quote a description that has spaces)", o.args[1:])
		}
	case "new-project":
		if len(o.args) == 0 {
			return nil, fmt.Errorf("Required arguments are missing: 'project-path, ksql-server-url'")
		}
	default:
		if len(o.args) > 0 {
			return nil, fmt.Errorf("Found unexpected parameters: %v", o.args)
		}
	}
	return o, nil
}

// loadConfigFor loads the config file the command needs.
func (t *tool) loadConfigFor(o *options) (*config, bool) {
	if strings.TrimSpace(o.configFile) == "" {
		t.errorf("Migrations config file required but not specified. Specify with --config-file (or, equivalently, -c).")
		return nil, false
	}
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		t.errorf("%v", err)
		return nil, false
	}
	return cfg, true
}
