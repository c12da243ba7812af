// Package arms is the registry of named ablation arms. An arm is a name, a
// one-line doc, and a Diff of the base configuration (package recipe): the arm
// changes exactly the fields its diff names and nothing else, which is what lets
// the harness check that two arms compared in a claim are apples to apples.
//
// The paper's arms and the hypothesis suites' arms are registered here; users add
// arms with Register (Go) or from a JSON or YAML arm file (LoadFile) without
// recompiling.
//
// It is not for running arms (package runner) or grouping them into claims
// (package hypotheses).
package arms

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"gapbench/recipe"
)

// Arm is a named diff of the base configuration.
type Arm struct {
	Name string      `json:"name"`
	Doc  string      `json:"doc"`
	Diff recipe.Diff `json:"diff"`
}

var (
	mu       sync.RWMutex
	registry = map[string]Arm{}
)

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._=@/+-]*$`)

// Check reports whether the arm is well formed and its diff applies to base to
// give a valid configuration; errors name the arm, the field and the value.
func (a Arm) Check(base recipe.Config) error {
	if !validName.MatchString(a.Name) {
		return fmt.Errorf("arm %q: name must be lower-case letters, digits and ._=@/+-", a.Name)
	}
	if strings.TrimSpace(a.Doc) == "" {
		return fmt.Errorf("arm %q: doc must say in one line what the arm changes", a.Name)
	}
	if _, ok := a.Diff["world.seed"]; ok {
		return fmt.Errorf("arm %q: world.seed is set for every run by --seeds; an arm cannot set it", a.Name)
	}
	c, err := base.Apply(a.Diff)
	if err != nil {
		return fmt.Errorf("arm %q: %w", a.Name, err)
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("arm %q: %w", a.Name, err)
	}
	return nil
}

// Register adds an arm; it fails on a duplicate name or a diff that does not
// apply to the default configuration.
func Register(a Arm) error {
	if err := a.Check(recipe.Default()); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[a.Name]; dup {
		return fmt.Errorf("arm %q is already registered", a.Name)
	}
	a.Diff = maps.Clone(a.Diff)
	registry[a.Name] = a
	return nil
}

// MustRegister is Register for package initialisation; it panics on error.
func MustRegister(a Arm) {
	if err := Register(a); err != nil {
		panic("arms: " + err.Error())
	}
}

// Get returns the named arm.
func Get(name string) (Arm, error) {
	mu.RLock()
	defer mu.RUnlock()
	a, ok := registry[name]
	if !ok {
		return Arm{}, fmt.Errorf("unknown arm %q (gapbench list shows the arms)", name)
	}
	return a, nil
}

// All returns every registered arm sorted by name.
func All() []Arm {
	mu.RLock()
	defer mu.RUnlock()
	out := slices.Collect(maps.Values(registry))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// With returns a variant of a: the same diff plus extra (which wins on conflicts),
// named name and documented by a's doc plus a note.
func (a Arm) With(name, note string, extra recipe.Diff) Arm {
	d := maps.Clone(a.Diff)
	if d == nil {
		d = recipe.Diff{}
	}
	maps.Copy(d, extra)
	return Arm{Name: name, Doc: a.Doc + "; " + note, Diff: d}
}

// Resolve applies the arm's diff to base.
func (a Arm) Resolve(base recipe.Config) (recipe.Config, error) {
	c, err := base.Apply(a.Diff)
	if err != nil {
		return c, fmt.Errorf("arm %q: %w", a.Name, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("arm %q: %w", a.Name, err)
	}
	return c, nil
}
