package migrations

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// newProject is `new-project <path> <server-url>`.
func (t *tool) newProject(o *options) int {
	if o.configFile != "" {
		t.errorf("This command does not expect a config file to be passed. Rather, this command will create one as part of preparing the migrations directory.")
		return 1
	}
	if len(o.args) != 2 {
		t.errorf("Unexpected number of arguments to `%s new-project`. Expected: 2. Got: %d. See `%s help new-project` for usage.",
			commandName, len(o.args), commandName)
		return 1
	}
	path, url := o.args[0], o.args[1]
	t.infof("Creating new migrations project at %s", path)
	if !t.makeDir(path) || !t.makeDir(filepath.Join(path, migrationsDirName)) ||
		!t.writeInitialConfig(filepath.Join(path, configFileName), url) {
		return 1
	}
	t.infof("Migrations project directory created successfully")
	return 0
}

func (t *tool) makeDir(path string) bool {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			t.warnf("%s already exists. Skipping directory creation.", path)
			return true
		}
		t.errorf("%s already exists as a file. Cannot create directory.", path)
		return false
	}
	t.infof("Creating directory: %s", path)
	if err := os.MkdirAll(path, 0o755); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			t.errorf("Permission denied: create directory %s", path)
		} else {
			t.errorf("Failed to create directory %s: %v", path, err)
		}
		return false
	}
	return true
}

func (t *tool) writeInitialConfig(path, url string) bool {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		t.errorf("Failed to create file. File already exists: %s", path)
		return false
	}
	if err != nil {
		t.errorf("Failed to create file %s: %v", path, err)
		return false
	}
	t.infof("Creating file: %s", path)
	content := initialConfig(url)
	t.infof("Writing to config file: %s", content)
	_, err = f.WriteString(content + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.errorf("Failed to write to config file %s: %v", path, err)
		return false
	}
	return true
}

// create is `create [-v N] <description>`. Unlike ksqlDB's tool it does
// not ask the server anything: a new file needs only the directory.
func (t *tool) create(o *options) int {
	cfg, ok := t.loadConfigFor(o)
	if !ok {
		return 1
	}
	dir := cfg.migrationsDir()
	description := o.args[0]
	version := o.version
	if o.versionSet {
		existing, err := migrationForVersion(dir, version)
		if err != nil {
			t.errorf("%v", err)
			return 1
		}
		if existing != nil {
			t.errorf("Found existing migrations file for version %d: %s", version, existing.path)
			return 1
		}
	}
	if description == "" {
		t.errorf("Description cannot be empty.")
		return 1
	}
	if !o.versionSet {
		all, err := t.allMigrations(dir)
		if err != nil {
			t.errorf("%v", err)
			return 1
		}
		version = 1
		if len(all) > 0 {
			version = all[len(all)-1].version + 1
		}
		if version > 999999 {
			t.errorf("Invalid version file version: %d. Version must fit into a six-digit integer.", version)
			return 1
		}
	}
	path := filepath.Join(dir, newFileName(version, description))
	t.infof("Creating migration file: %s", path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.errorf("Failed to create file %s: %v", path, err)
		return 1
	}
	t.infof("Migration file successfully created")
	return 0
}
