// Package store is the results store: one JSON file per finished run, keyed by
// the run's config hash, written atomically so that an interrupted sweep
// resumes where it stopped and `gapbench report` never retrains.
//
// A results directory is flat: the result of the run with key k is the file
// <k>.json. Each file is an envelope, one line of compact JSON,
//
//	{"format":1,"key":"<k>","sha256":"<hex>","payload":<the caller's value>}
//
// where sha256 is the checksum of the compact JSON encoding of the payload.
// Because keys are content hashes and files are self-describing, merging the
// results of several machines (shards) is copying their files into one
// directory; a key present in two copies holds the same run.
//
// Save never leaves a half-written <k>.json: it writes a hidden temporary file
// in the same directory, fsyncs it, renames it over <k>.json and fsyncs the
// directory. A process killed mid-Save leaves at most a hidden temporary file,
// which Keys and Load ignore and Open removes once it is older than
// TempMaxAge. Load reports a damaged file (truncated, edited, wrong key, bad
// checksum) as a *CorruptError so the caller can say so and recompute.
//
// The store is not a database: it has no index, no locking and no deletion.
// Several goroutines and several processes (shards on a shared file system)
// may Save into one directory at once; two Saves of the same key leave one of
// the two complete files.
package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// FormatVersion is the envelope format written by Save; Load reports a file
// with any other version as corrupt.
const FormatVersion = 1

// TempMaxAge is how old a leftover temporary file must be before Open removes
// it. It is long enough that Open never removes the file of a Save still in
// progress in another process sharing the directory.
const TempMaxAge = time.Hour

// MaxFileSize is the largest result file Load reads. A result of the largest
// configuration recipe.Validate allows is well under 1 MiB; a bigger file is
// not one Save wrote, and reading it could exhaust memory.
const MaxFileSize = 16 << 20

// maxKeyLen bounds key length so file names stay well under NAME_MAX.
const maxKeyLen = 128

// tempMarker is part of every temporary file name: "." + key + tempMarker + random.
const tempMarker = ".json.tmp-"

// Store is a results directory. It is safe for concurrent use.
type Store struct {
	dir string
}

// envelope is the on-disk form of one result.
type envelope struct {
	Format  int             `json:"format"`
	Key     string          `json:"key"`
	SHA256  string          `json:"sha256"`
	Payload json.RawMessage `json:"payload"`
}

// CorruptError reports a result file that exists but cannot be trusted.
// Load leaves the file in place; the next Save of its key replaces it.
type CorruptError struct {
	Path   string // the damaged file
	Reason string // what is wrong with it, e.g. "checksum mismatch: ..."
	Err    error  // the underlying decoding error, if any
}

// Error describes the file and what is wrong with it.
func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("store: corrupt result file %s: %s", e.Path, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying decoding error, if any.
func (e *CorruptError) Unwrap() error { return e.Err }

// Open returns the store in dir, creating the directory if needed, and removes
// temporary files that a killed process left behind more than TempMaxAge ago.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: empty results directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	cutoff := time.Now().Add(-TempMaxAge)
	for _, e := range entries {
		if !isTempName(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue // vanished, or possibly a Save in progress elsewhere
		}
		// Best effort: a temp file we cannot remove is still ignored.
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the file that holds (or would hold) the result with key.
func (s *Store) Path(key string) string {
	return filepath.Join(s.dir, key+".json")
}

// Save atomically writes v, encoded with encoding/json, as the result with key,
// replacing any earlier result with that key. key must be lowercase hex.
//
// The file is compact JSON on one line. Committed stores (the report of record
// and the robustness grid, about 12,000 files) are rewritten whole when
// runner.Version changes, and indented JSON made them 60% larger, with every
// float on a line of its own; Load reads either form.
func (s *Store) Save(key string, v any) error {
	if err := checkKey(key); err != nil {
		return err
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: save %s: %w", key, err)
	}
	sum := sha256.Sum256(payload)
	data, err := json.Marshal(envelope{
		Format:  FormatVersion,
		Key:     key,
		SHA256:  hex.EncodeToString(sum[:]),
		Payload: payload,
	})
	if err != nil {
		return fmt.Errorf("store: save %s: %w", key, err)
	}
	data = append(data, '\n')
	if err := s.writeAtomic(key, data); err != nil {
		return fmt.Errorf("store: save %s: %w", key, err)
	}
	return nil
}

// writeAtomic writes data to a temporary file, syncs it, renames it to the
// key's path and syncs the directory, so the path holds either the old or the
// new content, never a mixture, even after a crash.
func (s *Store) writeAtomic(key string, data []byte) (err error) {
	f, err := os.CreateTemp(s.dir, "."+key+tempMarker+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, s.Path(key)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// syncDir makes a rename in dir durable. Windows cannot fsync a directory.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// Load decodes the result with key into v, which must be a pointer.
// A missing result is (false, nil). A result file that is truncated, not
// JSON, of another format version, for another key, fails its checksum or
// does not decode into v is (false, *CorruptError); other failures, such as
// a permission error, are (false, error).
func (s *Store) Load(key string, v any) (found bool, err error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	path := s.Path(key)
	corrupt := func(err error, format string, args ...any) (bool, error) {
		return false, &CorruptError{Path: path, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	data, found, reason, err := readRegular(path)
	if !found {
		return false, nil
	}
	if reason != "" {
		return corrupt(nil, "%s", reason)
	}
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	if len(data) == 0 {
		return corrupt(nil, "empty file")
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return corrupt(err, "not a valid JSON envelope (truncated?)")
	}
	if env.Format != FormatVersion {
		return corrupt(nil, "format version %d, want %d", env.Format, FormatVersion)
	}
	if env.Key != key {
		return corrupt(nil, "holds key %q, want %q", env.Key, key)
	}
	if len(env.Payload) == 0 {
		return corrupt(nil, "no payload")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, env.Payload); err != nil {
		return corrupt(err, "payload is not valid JSON")
	}
	sum := sha256.Sum256(compact.Bytes())
	if got := hex.EncodeToString(sum[:]); got != env.SHA256 {
		return corrupt(nil, "checksum mismatch: file records %q, payload hashes to %q", env.SHA256, got)
	}
	if err := json.Unmarshal(compact.Bytes(), v); err != nil {
		var invalid *json.InvalidUnmarshalError
		if errors.As(err, &invalid) {
			return false, fmt.Errorf("store: load %s: %w", key, err)
		}
		return corrupt(err, "payload does not decode into %T", v)
	}
	return true, nil
}

// readRegular reads the file at path only if it is a regular file (a symbolic
// link to one is followed) of at most MaxFileSize bytes: a FIFO would block the
// read and a device such as /dev/zero would never end. A missing file is
// found == false; a file of the wrong kind or size has a non-empty reason.
func readRegular(path string) (data []byte, found bool, reason string, err error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, "", nil
	}
	if err != nil {
		return nil, true, "", err
	}
	if !info.Mode().IsRegular() {
		return nil, true, fmt.Sprintf("not a regular file (mode %s)", info.Mode()), nil
	}
	if info.Size() > MaxFileSize {
		return nil, true, fmt.Sprintf("%d bytes, more than the %d a result can hold", info.Size(), MaxFileSize), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, true, "", err
	}
	defer f.Close()
	// The file may have been replaced between Stat and Open: check what was opened.
	if info, err = f.Stat(); err != nil {
		return nil, true, "", err
	}
	if !info.Mode().IsRegular() {
		return nil, true, fmt.Sprintf("not a regular file (mode %s)", info.Mode()), nil
	}
	data, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, true, "", err
	}
	if len(data) > MaxFileSize {
		return nil, true, fmt.Sprintf("more than the %d bytes a result can hold", MaxFileSize), nil
	}
	return data, true, "", nil
}

// Keys returns the keys of all results in the store, sorted. It lists file
// names only; it does not check that the files are intact (Load does).
func (s *Store) Keys() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var keys []string
	for _, e := range entries {
		key, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() || checkKey(key) != nil {
			continue
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys, nil
}

// isTempName reports whether name is a temporary file written by Save.
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}

// checkKey reports whether key can name a result: 1 to 128 lowercase hex
// digits, so that it is a safe file name on every system.
func checkKey(key string) error {
	if key == "" {
		return errors.New("store: empty key")
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("store: key %.16q…: longer than %d characters", key, maxKeyLen)
	}
	for _, c := range key {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("store: key %q: must be lowercase hex, got %q", key, c)
		}
	}
	return nil
}

// Hash returns the key of a run config: the first 16 bytes of the SHA-256 of
// v's encoding/json encoding, as 32 lowercase hex digits.
//
// The encoding is canonical for the values a config holds: struct fields
// appear in declaration order, map keys are sorted by encoding/json, and
// floats use the shortest form that round-trips, so equal configs hash
// equally on every machine and in every process. Renaming, reordering or
// adding an exported field changes every hash (and so reruns every run); a
// new field tagged `json:",omitempty"` whose zero value means "as before"
// keeps old hashes valid.
//
// Hash panics if v cannot be encoded (channels, funcs, NaN or ±Inf floats):
// a config that cannot be hashed is a programming error.
func Hash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: Hash: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
