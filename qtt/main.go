package qtt

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// options are the parsed command-line flags.
type options struct {
	format   string
	run      *regexp.Regexp
	timeout  time.Duration
	parallel int
	verbose  bool
	files    []string
	// The three-file form: statements, input and output files.
	sqlFile, inputFile, outputFile string
}

// Main runs `eddy test FILE…` and returns the exit code: 0 when no case
// failed, 1 when one did, 2 on bad usage.
func Main(args []string, stdout, stderr io.Writer) int {
	return mainWith(args, stdout, stderr, newEngineBackend)
}

func mainWith(args []string, stdout, stderr io.Writer, nb backendFactory) int {
	opts, err := parseArgs(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintf(stderr, "eddy test: %v\n", err)
		return 2
	}
	rep := newReporter(stdout, stderr, opts.format == "json", opts.verbose)
	var variants []Variant
	suite := restSuite{}
	type fileLoad struct {
		file string
		load func() ([]Variant, error)
	}
	var loads []fileLoad
	if opts.sqlFile != "" {
		loads = append(loads, fileLoad{opts.sqlFile, func() ([]Variant, error) {
			return loadTriple(opts.sqlFile, opts.inputFile, opts.outputFile)
		}})
	}
	for _, f := range opts.files {
		loads = append(loads, fileLoad{f, func() ([]Variant, error) { return loadAny(f, suite) }})
	}
	for _, l := range loads {
		f := l.file
		vs, err := l.load()
		if err != nil {
			// A file that does not load counts as one failed case.
			rep.add(Result{File: f, Name: strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), Status: StatusError, Message: err.Error()})
			continue
		}
		for _, v := range vs {
			if opts.run == nil || opts.run.MatchString(v.ID) {
				variants = append(variants, v)
			}
		}
	}
	r := &runner{newBackend: nb, timeout: opts.timeout}
	rr := &restRunner{newBackend: nb, timeout: opts.timeout}
	sr := &scriptRunner{newBackend: nb, timeout: opts.timeout}
	run := func(ctx context.Context, v *Variant) Result {
		if v.Script != nil {
			return sr.run(ctx, v)
		}
		if rc := suite.lookup(v); rc != nil {
			return rr.run(ctx, v, rc)
		}
		return r.run(ctx, v)
	}
	runAll(context.Background(), run, variants, opts.parallel, rep.add)
	rep.finish()
	if rep.failed > 0 {
		return 1
	}
	return 0
}

// loadAny loads a SQL test file, a REST (RQTT) file or a QTT file.
func loadAny(f string, suite restSuite) ([]Variant, error) {
	if isSQLFile(f) {
		return loadSQLFile(f)
	}
	// REST cases (rest-query-validation-tests) run on the REST runner.
	vs, isREST, err := loadRESTFile(f, suite)
	if !isREST {
		vs, err = LoadFile(f)
	}
	return vs, err
}

// runAll runs variants on parallel workers and hands results to emit in
// input order as they become available.
func runAll(ctx context.Context, run func(context.Context, *Variant) Result, vs []Variant, parallel int, emit func(Result)) {
	if parallel < 1 {
		parallel = 1
	}
	results := make([]Result, len(vs))
	done := make([]chan struct{}, len(vs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = run(ctx, &vs[i])
				close(done[i])
			}
		}()
	}
	go func() {
		for i := range vs {
			next <- i
		}
		close(next)
	}()
	for i := range vs {
		<-done[i]
		emit(results[i])
	}
	wg.Wait()
}

// parseArgs parses flags, which may come before or after the files.
// Directories expand to their *.json and *.sql files.
func parseArgs(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("eddy test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: eddy test [flags] FILE|DIR…\n       eddy test [flags] -s statements.sql [-i input.json] -o output.json")
		fs.PrintDefaults()
	}
	format := fs.String("format", "text", "output format: text or json")
	run := fs.String("run", "", "run only cases whose id matches this regular expression")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout per case")
	parallel := fs.Int("parallel", runtime.GOMAXPROCS(0), "cases to run concurrently")
	verbose := fs.Bool("v", false, "print failure details")
	var sqlFile, inputFile, outputFile string
	for _, f := range []struct {
		dst         *string
		short, long string
		usage       string
	}{
		{&sqlFile, "s", "sql-file", "three-file form: the statements to test"},
		{&inputFile, "i", "input-file", "three-file form: the input records ({\"inputs\": [...]})"},
		{&outputFile, "o", "output-file", "three-file form: the expected output records ({\"outputs\": [...]})"},
	} {
		fs.StringVar(f.dst, f.short, "", f.usage)
		fs.StringVar(f.dst, f.long, "", f.usage)
	}
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *format != "text" && *format != "json" {
		return nil, fmt.Errorf("--format must be text or json, not %q", *format)
	}
	if *timeout <= 0 {
		return nil, fmt.Errorf("--timeout must be positive")
	}
	opts := &options{format: *format, timeout: *timeout, parallel: *parallel, verbose: *verbose,
		sqlFile: sqlFile, inputFile: inputFile, outputFile: outputFile}
	if (inputFile != "" || outputFile != "") && sqlFile == "" {
		return nil, fmt.Errorf("--input-file and --output-file need --sql-file")
	}
	if sqlFile != "" && outputFile == "" {
		return nil, fmt.Errorf("--sql-file needs --output-file")
	}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			return nil, fmt.Errorf("--run: %w", err)
		}
		opts.run = re
	}
	if len(paths) == 0 && sqlFile == "" {
		fs.Usage()
		return nil, fmt.Errorf("no test files given")
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			opts.files = append(opts.files, p)
			continue
		}
		var m []string
		for _, ext := range []string{"*.json", "*" + sqlFileExtension} {
			g, err := filepath.Glob(filepath.Join(p, ext))
			if err != nil {
				return nil, err
			}
			m = append(m, g...)
		}
		sort.Strings(m)
		opts.files = append(opts.files, m...)
	}
	return opts, nil
}
