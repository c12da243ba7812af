package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gapbench/datasets"
	"gapbench/model"
	"gapbench/recipe"
	"gapbench/store"
)

// leaf is one field of recipe.Config found by reflection: its dotted JSON path
// and where it lives.
type leaf struct {
	path  string
	index []int
}

// leaves walks the Config struct by reflection and returns every leaf field.
func leaves(t reflect.Type, prefix string, index []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = f.Name
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct {
			out = append(out, leaves(f.Type, path, idx)...)
			continue
		}
		out = append(out, leaf{path, idx})
	}
	return out
}

// alternatives are two valid values of each string field; perturb picks the one
// that differs from the current value.
var alternatives = map[string][2]string{
	"method": {recipe.MethodOnline, recipe.MethodDPO}, "policy.class": {recipe.ClassTrie, recipe.ClassMLP},
	"policy.tilt_rm": {recipe.RMBackbone, recipe.RMLinear}, "data.source": {recipe.DataNarrow, recipe.DataWorld},
	"rm.kind": {recipe.RMLinear, recipe.RMBackbone}, "dpo.loss": {"ipo", "sigmoid"},
	"online.start": {"dpo", "sft"}, "online.labeller": {recipe.LabelGold, recipe.LabelRM}, "rlhf.reward": {recipe.LabelGold, recipe.LabelRM},
	"world.reward": {datasets.RewardBigram, datasets.RewardSimple}, "world.pair_dist": {datasets.PairsUniform, datasets.PairsRef},
}

// perturb returns cfg with the field at l changed to another valid value.
func perturb(t *testing.T, cfg recipe.Config, l leaf, other [2]string) recipe.Config {
	v := reflect.ValueOf(&cfg).Elem().FieldByIndex(l.index)
	switch {
	case l.path == "data.file" || l.path == "data.file_hash":
		// The two change together: another file, another hash.
		cfg.Data.File, cfg.Data.FileHash = other[0], other[1]
		return cfg
	case strings.HasPrefix(l.path, "protocol."):
		return perturbProtocol(cfg, l.path)
	case v.Kind() == reflect.String:
		alt, ok := alternatives[l.path]
		if !ok {
			t.Fatalf("no alternative value for string field %s: add one to alternatives", l.path)
		}
		if v.String() == alt[0] {
			v.SetString(alt[1])
		} else {
			v.SetString(alt[0])
		}
	case v.Kind() == reflect.Int:
		v.SetInt(v.Int() + 1)
	case v.Kind() == reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case v.Kind() == reflect.Float64:
		if v.Float() == 0 {
			v.SetFloat(0.5)
		} else {
			v.SetFloat(v.Float() * 1.5)
		}
	case v.Kind() == reflect.Bool:
		v.SetBool(!v.Bool())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Int:
		v.Set(reflect.Append(v, reflect.ValueOf(3)))
	default:
		t.Fatalf("field %s of kind %s: teach perturb to change it", l.path, v.Kind())
	}
	return cfg
}

// perturbProtocol changes one protocol field. A protocol's fields are valid only
// together, so a field of another protocol switches to that protocol (with a
// short grid or run, to keep the test quick) and a field of the config's own
// protocol changes within it.
func perturbProtocol(cfg recipe.Config, path string) recipe.Config {
	tuned := recipe.ProtocolConfig{Name: recipe.ProtocolTuned, Grid: []int{1, 2}, HeldOut: 8}
	frontier := recipe.ProtocolConfig{Name: recipe.ProtocolFrontier, Epochs: 3, Probes: 2}
	p := cfg.Protocol
	switch path {
	case "protocol.name":
		if p.Name == "" {
			return cfg.WithProtocol(tuned)
		}
		return cfg.WithProtocol(recipe.ProtocolConfig{})
	case "protocol.grid", "protocol.held_out":
		if p.Name != recipe.ProtocolTuned {
			return cfg.WithProtocol(tuned)
		}
		p = cfg.WithProtocol(p).Protocol
		if path == "protocol.grid" {
			p.Grid = append(p.Grid, p.Grid[len(p.Grid)-1]+1)
		} else {
			p.HeldOut++
		}
	default: // protocol.epochs, protocol.probes
		if p.Name != recipe.ProtocolFrontier {
			return cfg.WithProtocol(frontier)
		}
		if path == "protocol.epochs" {
			p.Epochs++
		} else {
			p.Probes++
		}
	}
	return cfg.WithProtocol(p)
}

// artifact is one memoised artifact: how to compute its content and its key.
type artifact struct {
	name    string
	key     func(c recipe.Config) string
	content func(r *Runner, c recipe.Config) (string, error)
}

func artifacts(seed int) []artifact {
	ctx := context.Background()
	policyContent := func(w *datasets.World, p model.Policy) string {
		lp := make([]float64, w.Space.Size())
		var all [][]float64
		for _, i := range w.Val {
			p.Enumerate(w.Prompts[i].Input, lp)
			all = append(all, append([]float64(nil), lp...))
		}
		return store.Hash(all)
	}
	return []artifact{
		{"world", func(c recipe.Config) string { return artifactKey("world", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			w, err := r.world(ctx, c, seed)
			if err != nil {
				return "", err
			}
			return store.Hash([]any{w.Gold, w.Pairs, w.Demos, w.Teacher.Params(), w.Reference}), nil
		}},
		{"sft (policy width)", func(c recipe.Config) string { return artifactKey("sft", c, seed, c.Policy.Width) }, func(r *Runner, c recipe.Config) (string, error) {
			p, err := r.sft(ctx, c, seed, c.Policy.Width)
			if err != nil {
				return "", err
			}
			return store.Hash(p.Params()), nil
		}},
		{"sft (rm width)", func(c recipe.Config) string { return artifactKey("sft", c, seed, c.RMWidth()) }, func(r *Runner, c recipe.Config) (string, error) {
			p, err := r.sft(ctx, c, seed, c.RMWidth())
			if err != nil {
				return "", err
			}
			return store.Hash(p.Params()), nil
		}},
		{"file", func(c recipe.Config) string { return artifactKey("file", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			if c.Data.Source != recipe.DataFile {
				return "unused", nil
			}
			d, err := r.data(ctx, c, seed)
			return store.Hash(d), err
		}},
		{"narrow", func(c recipe.Config) string { return artifactKey("narrow", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			d, err := r.narrowPairs(ctx, c, seed, c.World.Pairs, streamNarrow)
			return store.Hash(d), err
		}},
		{"rm", func(c recipe.Config) string { return artifactKey("rm", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			rm, err := r.rewardModel(ctx, c, seed)
			if err != nil {
				return "", err
			}
			return store.Hash(rm.Params()), nil
		}},
		{"dpo", func(c recipe.Config) string {
			d := c
			d.Method, d.Online, d.RM, d.Eval = recipe.MethodDPO, recipe.Default().Online, recipe.Default().RM, recipe.Default().Eval
			return artifactKey("dpo", d, seed)
		}, func(r *Runner, c recipe.Config) (string, error) {
			w, err := r.world(ctx, c, seed)
			if err != nil {
				return "", err
			}
			p, err := r.dpoPolicy(ctx, c, seed)
			if err != nil {
				return "", err
			}
			return policyContent(w, p.Clone()), nil
		}},
		{"heldout", func(c recipe.Config) string { return artifactKey("heldout", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			c.Data.Source = recipe.DataWorld // the artifact of world data, whatever the run's data
			d, err := r.heldOut(ctx, c, seed)
			return store.Hash(d), err
		}},
		{"heldout-narrow", func(c recipe.Config) string { return artifactKey("heldout-narrow", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			d, err := r.heldOutNarrow(ctx, c, seed)
			return store.Hash(d), err
		}},
		{"evalpairs", func(c recipe.Config) string { return artifactKey("evalpairs", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			ev, err := r.evalPairs(ctx, c, seed)
			return store.Hash(ev), err
		}},
		{"rmtable", func(c recipe.Config) string { return artifactKey("rmtable", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			w, err := r.world(ctx, c, seed)
			if err != nil {
				return "", err
			}
			t, err := r.rmTable(ctx, c, seed)
			if err != nil {
				return "", err
			}
			var all [][]float64
			for _, p := range w.Val {
				all = append(all, t.Scores(p))
			}
			return store.Hash(all), nil
		}},
		{"eval", func(c recipe.Config) string { return artifactKey("eval", c, seed) }, func(r *Runner, c recipe.Config) (string, error) {
			ev, err := r.evaluator(ctx, c, seed)
			if err != nil {
				return "", err
			}
			// The metrics of a fixed policy read every table the evaluator holds.
			w, err := r.world(ctx, c, seed)
			if err != nil {
				return "", err
			}
			return store.Hash(ev.Policy(w.Teacher.CloneMLP())), nil
		}},
	}
}

// TestMemoKeys perturbs every field of recipe.Config, found by reflection, and
// checks each memoised artifact: when its content changes, its key must change
// (else arms differing in that field would share a wrong artifact), and when
// the field is not among its listed inputs, its key must stay (so arms still
// share it).
func TestMemoKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := tiny(recipe.MethodDPO)
	const seed = 1
	w, err := New().world(context.Background(), base, seed)
	if err != nil {
		t.Fatal(err)
	}
	writePairs := func(name string, n int) [2]string {
		var b bytes.Buffer
		if err := w.WritePairs(&b, w.Pairs[:n]); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return [2]string{path, FileHash(b.Bytes())}
	}
	fileA, fileB := writePairs("a.jsonl", 20), writePairs("b.jsonl", 21)
	fromFile := base
	fromFile.Data = recipe.DataConfig{Source: recipe.DataFile, File: fileA[0], FileHash: fileA[1]}

	arts := artifacts(seed)
	contents := func(c recipe.Config) map[string]string {
		r := New()
		out := map[string]string{}
		for _, a := range arts {
			s, err := a.content(r, c)
			if err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			out[a.name] = s
		}
		return out
	}
	all := leaves(reflect.TypeOf(recipe.Config{}), "", nil)
	if len(all) < 40 {
		t.Fatalf("found %d fields by reflection, want every leaf of recipe.Config", len(all))
	}
	// Each field is perturbed from several bases, so that inputs that matter only
	// in some configurations (dpo.beta for a local reward model, the policy class
	// for the tilt's start) are exercised.
	type baseCase struct {
		name string
		cfg  recipe.Config
	}
	localRM, tilt, narrow := base, base, base
	localRM.RM.Kind = recipe.RMLocal
	tilt.Policy.Class, tilt.Policy.Tilt = recipe.ClassTilt, recipe.RMBackbone
	narrow.Data.Source, narrow.RM.DataMult = recipe.DataNarrow, 2
	tunedNarrow := narrow.WithProtocol(recipe.ProtocolConfig{Name: recipe.ProtocolTuned, Grid: []int{1, 3}, HeldOut: 6})
	bases := []baseCase{{"dpo", base}, {"file", fromFile}, {"local-rm", localRM}, {"tilt", tilt}, {"narrow", narrow}, {"tuned-narrow", tunedNarrow}}
	for _, bc := range bases {
		was := contents(bc.cfg)
		for _, l := range all {
			if bc.name == "file" && !strings.HasPrefix(l.path, "data.file") || bc.name != "file" && strings.HasPrefix(l.path, "data.file") {
				continue
			}
			b := bc.cfg
			c := perturb(t, b, l, fileB)
			if err := c.Validate(); err != nil {
				if bc.name == "dpo" || bc.name == "file" {
					t.Fatalf("%s: perturbed config is invalid: %v", l.path, err)
				}
				continue // e.g. dpo.sft_weight, which the tilt class cannot use
			}
			checkArtifacts(t, bc.name+"/"+l.path, l, arts, b, c, was, contents(c))
		}
	}
}

// checkArtifacts compares every artifact of b and of c, which differ in the field l.
func checkArtifacts(t *testing.T, name string, l leaf, arts []artifact, b, c recipe.Config, was, got map[string]string) {
	t.Helper()
	if len(recipe.DiffPaths(b, c)) == 0 {
		t.Fatalf("%s: perturbing changed nothing", name)
	}
	for _, a := range arts {
		keyChanged := a.key(b) != a.key(c)
		if got[a.name] != was[a.name] && !keyChanged {
			t.Errorf("%s: artifact %s's content changes but its memo key does not: add the field to artifactInputs", name, a.name)
		}
		inputs := artifactInputs[strings.Fields(a.name)[0]]
		listed := false
		for _, in := range inputs {
			listed = listed || l.path == in || strings.HasPrefix(l.path, in+".")
		}
		// The SFT artifact takes its width as an extra input.
		if a.name == "sft (policy width)" && l.path == "policy.width" || a.name == "sft (rm width)" && (l.path == "policy.width" || l.path == "rm.width_mult") {
			listed = true
		}
		if keyChanged && !listed {
			t.Errorf("%s: artifact %s's key changes, but the field is not among its inputs %v", name, a.name, inputs)
		}
		// dpo's key is taken with the online, rm and eval sections reset.
		if !keyChanged && listed && a.name != "dpo" {
			t.Errorf("%s: artifact %s's key does not change with its input", name, a.name)
		}
	}
}
