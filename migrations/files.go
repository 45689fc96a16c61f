package migrations

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// migrationFile is one V<six digits>__<name>.sql file.
type migrationFile struct {
	version int
	name    string // the description with '_' shown as ' '
	path    string
}

// fileNamePattern is ksqlDB's: it is searched, not anchored, so a name
// such as "xV000001__a.sql.bak" still matches, as it does there.
var fileNamePattern = regexp.MustCompile(`V([0-9]{6})__(.+)\.sql`)

// invalidFileChars are replaced by '_' in a new file's description.
var invalidFileChars = regexp.MustCompile(`\s|/|\\|:|\*|\?|"|<|>|\|`)

// filePrefix is "V" and the version padded to six digits.
func filePrefix(version int) string { return fmt.Sprintf("V%06d", version) }

// parseFileName reads a migration file's version and name; ok is false
// for a file that is not one (which is skipped with a warning).
func parseFileName(dir, name string) (migrationFile, bool, error) {
	m := fileNamePattern.FindStringSubmatch(name)
	if m == nil {
		return migrationFile{}, false, nil
	}
	v, _ := strconv.Atoi(m[1])
	if v <= 0 {
		return migrationFile{}, false, fmt.Errorf("MigrationFile file versions must be positive. Found: %s", name)
	}
	return migrationFile{version: v, name: strings.ReplaceAll(m[2], "_", " "), path: filepath.Join(dir, name)}, true, nil
}

// allMigrations lists dir's migration files by version, warning about
// other files and refusing two files of one version.
func (t *tool) allMigrations(dir string) ([]migrationFile, error) {
	entries, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	var out []migrationFile
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		mf, ok, err := parseFileName(dir, e.Name())
		if err != nil {
			return nil, err
		}
		if !ok {
			t.warnf("Skipping file does not match expected migration file pattern 'V<six digit number>__<name>.sql': %s", e.Name())
			continue
		}
		out = append(out, mf)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, uniqueVersions(out)
}

// migrationForVersion finds the file of one version, if there is one.
func migrationForVersion(dir string, version int) (*migrationFile, error) {
	entries, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	prefix := filePrefix(version)
	var found []migrationFile
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if mf, ok, err := parseFileName(dir, e.Name()); err != nil {
			return nil, err
		} else if ok {
			found = append(found, mf)
		}
	}
	if err := uniqueVersions(found); err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, nil
	}
	return &found[0], nil
}

func readDir(dir string) ([]os.DirEntry, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory.", dir)
	}
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("Failed to retrieve files from %s: %w", dir, err)
	}
	return entries, nil
}

func uniqueVersions(files []migrationFile) error {
	for i := 1; i < len(files); i++ {
		if files[i].version == files[i-1].version {
			return fmt.Errorf("Found multiple migration files with the same version. Version: %d. Files: '%s', '%s'",
				files[i].version, files[i].path, files[i-1].path)
		}
	}
	return nil
}

// checksum is the MD5 of the file's bytes in lower-case hex, as ksqlDB's
// tool records and compares it.
func checksum(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("Could not compute hash for file '%s': %w", path, err)
	}
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:]), nil
}

// newFileName is the file create makes for a version and description.
func newFileName(version int, description string) string {
	return filePrefix(version) + "__" + invalidFileChars.ReplaceAllString(description, "_") + ".sql"
}
