package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// result stands in for a run's result: nested values, floats, a map.
type result struct {
	Arm     string             `json:"arm"`
	Seed    int                `json:"seed"`
	Metrics map[string]float64 `json:"metrics"`
	Curve   []float64          `json:"curve"`
	Note    string             `json:"note,omitempty"`
}

func sample(seed int) result {
	return result{
		Arm:     "online-dpo-sft",
		Seed:    seed,
		Metrics: map[string]float64{"win_rate": 64.7, "kl": 0.27 + float64(seed), "tiny": 1e-300},
		Curve:   []float64{0.69, 0.5, 1.0 / 3},
		Note:    "<html> & \"quotes\" é",
	}
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "results"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSave(t *testing.T, s *Store, key string, v any) {
	t.Helper()
	if err := s.Save(key, v); err != nil {
		t.Fatal(err)
	}
}

func keysOf(t *testing.T, s *Store) []string {
	t.Helper()
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// writePartialTemp leaves what a process killed mid-Save leaves: a hidden,
// half-written temporary file.
func writePartialTemp(t *testing.T, s *Store, key string, content []byte, age time.Duration) string {
	t.Helper()
	path := filepath.Join(s.Dir(), "."+key+tempMarker+"123456")
	if err := os.WriteFile(path, content[:len(content)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	mtime := time.Now().Add(-age)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		into func() any // fresh pointer to decode into
	}{
		{"struct", sample(3), func() any { return new(result) }},
		{"map", map[string]int{"b": 2, "a": 1}, func() any { return new(map[string]int) }},
		{"string", "hello", func() any { return new(string) }},
		{"null", nil, func() any { return new(any) }},
		{"float edge", []float64{math.MaxFloat64, math.SmallestNonzeroFloat64, -0.5}, func() any { return new([]float64) }},
	}
	s := openTemp(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("%02x", i)
			mustSave(t, s, key, tt.v)
			got := tt.into()
			found, err := s.Load(key, got)
			if err != nil || !found {
				t.Fatalf("Load(%s) = %v, %v; want true, nil", key, found, err)
			}
			if g := reflect.ValueOf(got).Elem().Interface(); !reflect.DeepEqual(g, tt.v) {
				t.Errorf("Load(%s) got %#v, want %#v", key, g, tt.v)
			}
		})
	}
}

// TestCompactFile checks that Save writes one line of compact JSON (the
// committed stores are rewritten whole on every Version, and indentation made
// them 60% larger), and that a file indented as earlier versions wrote it still
// loads: the checksum is over the compact payload either way.
func TestCompactFile(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	mustSave(t, s, "c0ffee", sample(7))
	data, err := os.ReadFile(s.Path("c0ffee"))
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), compact.String()+"\n"; got != want {
		t.Fatalf("Save wrote\n%s\nwant one compact line\n%s", got, want)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path("c0ffee"), indented.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var got result
	if found, err := s.Load("c0ffee", &got); !found || err != nil {
		t.Fatalf("Load of the indented file = %v, %v; want true, nil", found, err)
	}
	if !reflect.DeepEqual(got, sample(7)) {
		t.Errorf("Load of the indented file got %#v, want %#v", got, sample(7))
	}
}

func TestSaveOverwrites(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	mustSave(t, s, "ab", sample(1))
	mustSave(t, s, "ab", sample(2))
	var got result
	if found, err := s.Load("ab", &got); !found || err != nil {
		t.Fatalf("Load = %v, %v; want true, nil", found, err)
	}
	if got.Seed != 2 {
		t.Errorf("got seed %d, want 2", got.Seed)
	}
	if got := keysOf(t, s); !slices.Equal(got, []string{"ab"}) {
		t.Errorf("Keys() = %q, want [ab]", got)
	}
}

func TestLoadMissing(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	var r result
	found, err := s.Load("abcdef", &r)
	if found || err != nil {
		t.Errorf("Load(missing) = %v, %v; want false, nil", found, err)
	}
}

func TestBadKeys(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	for _, key := range []string{"", "ABC", "../x", "a.json", "g0", strings.Repeat("a", maxKeyLen+1)} {
		if err := s.Save(key, 1); err == nil {
			t.Errorf("Save(%q) succeeded, want error", key)
		}
		if _, err := s.Load(key, new(int)); err == nil {
			t.Errorf("Load(%q) succeeded, want error", key)
		}
	}
	if got := keysOf(t, s); len(got) != 0 {
		t.Errorf("Keys() = %q after failed saves, want none", got)
	}
}

func TestSaveUnencodable(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	if err := s.Save("aa", math.NaN()); err == nil {
		t.Error("Save(NaN) succeeded, want error")
	}
	entries, _ := os.ReadDir(s.Dir())
	if len(entries) != 0 {
		t.Errorf("directory holds %d entries after a failed Save, want 0", len(entries))
	}
}

func TestLoadNonPointer(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	mustSave(t, s, "aa", sample(1))
	found, err := s.Load("aa", result{})
	var ce *CorruptError
	if found || err == nil || errors.As(err, &ce) {
		t.Errorf("Load(non-pointer) = %v, %v; want false and a non-corrupt error", found, err)
	}
}

// TestCorrupt damages a good file in several ways; each must be reported as
// a *CorruptError naming the file, and the file must stay until a Save.
func TestCorrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(good []byte) []byte
		reason string // substring of the error
	}{
		{"empty", func([]byte) []byte { return nil }, "empty file"},
		{"truncated", func(b []byte) []byte { return b[:len(b)*2/3] }, "truncated"},
		{"truncated last byte", func(b []byte) []byte { return b[:len(b)-2] }, "truncated"},
		{"not json", func([]byte) []byte { return []byte("hello") }, "not a valid JSON"},
		{"trailing garbage", func(b []byte) []byte { return append(b, "xx"...) }, "not a valid JSON"},
		{"payload edited", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"seed":7`, `"seed":8`, 1))
		}, "checksum mismatch"},
		{"wrong key", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"key":"c0ffee"`, `"key":"c0ffef"`, 1))
		}, `holds key "c0ffef"`},
		{"future format", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"format":1`, `"format":2`, 1))
		}, "format version 2, want 1"},
		{"no payload", func([]byte) []byte {
			return []byte(`{"format": 1, "key": "c0ffee", "sha256": "x"}`)
		}, "no payload"},
		{"payload of another type", func([]byte) []byte {
			// A valid envelope whose payload is a string, loaded into a struct.
			return []byte(`{"format":1,"key":"c0ffee",` +
				`"sha256":"ba2df4903a2c14e86dc3bcca58911b44ac1d2514b7227bf6eb08cfb978f55a1b","payload":"x"}`)
		}, "does not decode into *store.result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openTemp(t)
			mustSave(t, s, "c0ffee", sample(7))
			path := s.Path("c0ffee")
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			bad := tt.damage(slices.Clone(good))
			if string(bad) == string(good) {
				t.Fatal("damage did not change the file")
			}
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			var r result
			found, err := s.Load("c0ffee", &r)
			var ce *CorruptError
			if found || !errors.As(err, &ce) {
				t.Fatalf("Load = %v, %v; want false, *CorruptError", found, err)
			}
			if ce.Path != path || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q: want it to name %s and contain %q", err, path, tt.reason)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("Load removed the corrupt file: %v", err)
			}
			// The caller recomputes and saves; the file is good again.
			mustSave(t, s, "c0ffee", sample(7))
			if found, err := s.Load("c0ffee", &r); !found || err != nil {
				t.Errorf("Load after re-Save = %v, %v; want true, nil", found, err)
			}
		})
	}
}

// TestEveryFlippedBitDetected flips, one at a time, the low and the high bit
// of every byte of a result file: each damaged file must either be reported
// corrupt or, where the damage is immaterial, load the original value.
func TestEveryFlippedBitDetected(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	want := result{Arm: "dpo", Seed: 1, Metrics: map[string]float64{"kl": 0.5}, Curve: []float64{1}}
	mustSave(t, s, "0a", want)
	path := s.Path("0a")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, mask := range []byte{0x01, 0x80} {
		for i := range good {
			bad := slices.Clone(good)
			bad[i] ^= mask
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			var got result
			found, err := s.Load("0a", &got)
			var ce *CorruptError
			switch {
			case errors.As(err, &ce):
			case found && err == nil && reflect.DeepEqual(got, want):
			default:
				t.Errorf("byte %d (%q) ^ %#x: Load = %v, %v, %+v; want a *CorruptError", i, good[i], mask, found, err, got)
			}
		}
	}
}

func TestKeysIgnoresOtherFiles(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	for _, k := range []string{"ff", "0a", "b1"} {
		mustSave(t, s, k, k)
	}
	writePartialTemp(t, s, "cc", []byte(`{"format":1,"key":"cc"}`), 0)
	for name, content := range map[string]string{
		"README.md":    "notes",
		"NOTHEX.json":  "{}",
		".hidden.json": "{}",
		"ab.json~":     "{}",
	} {
		if err := os.WriteFile(filepath.Join(s.Dir(), name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(s.Dir(), "dd.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(t, s), []string{"0a", "b1", "ff"}; !slices.Equal(got, want) {
		t.Errorf("Keys() = %q, want %q", got, want)
	}
}

// TestInterruptedSave simulates a process killed mid-Save (SIGKILL, power
// loss before the rename): a partial temporary file next to, or instead of,
// a finished result. Neither Keys nor Load may see it, the earlier result of
// the same key must be intact, and Open removes it once it is stale.
func TestInterruptedSave(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		earlier   bool          // a finished result of the key exists
		age       time.Duration // age of the temp file when the store is reopened
		wantClean bool          // Open removes it
	}{
		{"first save, fresh temp", false, 0, false},
		{"first save, stale temp", false, TempMaxAge + time.Minute, true},
		{"overwrite, fresh temp", true, 0, false},
		{"overwrite, stale temp", true, 2 * TempMaxAge, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openTemp(t)
			var wantKeys []string
			if tt.earlier {
				mustSave(t, s, "beef", sample(1))
				wantKeys = []string{"beef"}
			}
			full := []byte(`{"format": 1, "key": "beef", "sha256": "00", "payload": {"arm": "dpo", "seed": 2}}`)
			tmp := writePartialTemp(t, s, "beef", full, tt.age)

			check := func(s *Store) {
				t.Helper()
				if got := keysOf(t, s); !slices.Equal(got, wantKeys) {
					t.Errorf("Keys() = %q, want %q", got, wantKeys)
				}
				var r result
				found, err := s.Load("beef", &r)
				if err != nil || found != tt.earlier || (found && r.Seed != 1) {
					t.Errorf("Load = %v, %v, seed %d; want %v, nil, seed 1", found, err, r.Seed, tt.earlier)
				}
			}
			check(s)
			s2, err := Open(s.Dir())
			if err != nil {
				t.Fatal(err)
			}
			check(s2)
			_, err = os.Stat(tmp)
			if removed := errors.Is(err, os.ErrNotExist); removed != tt.wantClean {
				t.Errorf("after Open, temp file removed = %v, want %v", removed, tt.wantClean)
			}
		})
	}
}

func TestConcurrentSaves(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				seed := w*perWorker + i
				if err := s.Save(Hash(seed), sample(seed)); err != nil {
					errs <- err
				}
				// Everyone also hammers one shared key.
				if err := s.Save("5a5a", sample(seed)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	keys := keysOf(t, s)
	if len(keys) != workers*perWorker+1 {
		t.Fatalf("Keys() has %d keys, want %d", len(keys), workers*perWorker+1)
	}
	for seed := range workers * perWorker {
		var r result
		if found, err := s.Load(Hash(seed), &r); !found || err != nil || !reflect.DeepEqual(r, sample(seed)) {
			t.Errorf("seed %d: Load = %v, %v, %+v", seed, found, err, r)
		}
	}
	var r result
	if found, err := s.Load("5a5a", &r); !found || err != nil {
		t.Errorf("shared key: Load = %v, %v; want true, nil", found, err)
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if isTempName(e.Name()) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	type config struct {
		Arm  string
		Beta float64
		Tags map[string]int
	}
	a := config{"dpo", 0.1, map[string]int{"x": 1, "y": 2, "z": 3}}
	tests := []struct {
		name  string
		a, b  any
		equal bool
	}{
		{"same value", a, config{"dpo", 0.1, map[string]int{"z": 3, "y": 2, "x": 1}}, true},
		{"pointer and value", a, &a, true},
		{"different beta", a, config{"dpo", 0.2, a.Tags}, false},
		{"different arm", a, config{"ipo", 0.1, a.Tags}, false},
		{"int and string", 1, "1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ha, hb := Hash(tt.a), Hash(tt.b)
			if (ha == hb) != tt.equal {
				t.Errorf("Hash(%v) = %s, Hash(%v) = %s; want equal = %v", tt.a, ha, tt.b, hb, tt.equal)
			}
			if len(ha) != 32 || checkKey(ha) != nil {
				t.Errorf("Hash = %q, want 32 lowercase hex digits", ha)
			}
		})
	}
	// A fixed value pins the encoding: if this changes, every stored key changes.
	// sha256 of the 36 bytes {"Arm":"dpo","Beta":0.1,"Tags":null} (from coreutils sha256sum).
	if got, want := Hash(config{Arm: "dpo", Beta: 0.1}), "33ce1c371b8694f60b8158de6901c6fe"; got != want {
		t.Errorf("Hash(config{dpo, 0.1}) = %s, want %s", got, want)
	}
}

func TestHashPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "store: ") {
			t.Errorf("Hash(NaN) recovered %v, want a store: panic", r)
		}
	}()
	Hash(math.Inf(1))
}

// TestKilledProcess runs Saves in a child process and kills it with SIGKILL
// part-way through: every visible result must load intact.
func TestKilledProcess(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs SIGKILL and subprocesses")
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSaveLoop$")
	cmd.Env = append(os.Environ(), "GAPBENCH_STORE_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	saved := 0
	for saved < 20 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "saved ") {
			saved++
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if saved < 20 {
		t.Fatalf("helper saved only %d results before exiting", saved)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := keysOf(t, s)
	if len(keys) < saved {
		t.Errorf("Keys() has %d keys, want at least the %d reported saved", len(keys), saved)
	}
	for _, k := range keys {
		var big []float64
		if found, err := s.Load(k, &big); !found || err != nil || len(big) != helperLen {
			t.Errorf("key %s: Load = %v, %v, len %d; want true, nil, len %d", k, found, err, len(big), helperLen)
		}
	}
}

// helperLen is the length of the payloads the helper saves: large enough that
// the kill often lands mid-write.
const helperLen = 20000

// TestHelperSaveLoop is not a test: TestKilledProcess runs it in a child
// process, which saves results until it is killed.
func TestHelperSaveLoop(t *testing.T) {
	dir := os.Getenv("GAPBENCH_STORE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestKilledProcess")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	big := make([]float64, helperLen)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		for j := range big {
			big[j] = float64(i*j) / 7
		}
		if err := s.Save(Hash(i), big); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("saved " + strconv.Itoa(i))
	}
	os.Exit(0)
}
