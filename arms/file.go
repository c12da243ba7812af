package arms

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"gapbench/recipe"
)

// File is the layout of an arm file (JSON or YAML):
//
//	arms:
//	  - name: dpo-strong-sft-reg
//	    doc: offline DPO + a stronger NLL regulariser
//	    diff:
//	      method: dpo
//	      dpo.sft_weight: 0.5
type File struct {
	Arms []fileArm `yaml:"arms"`
}

type fileArm struct {
	Name string         `yaml:"name"`
	Doc  string         `yaml:"doc"`
	Diff map[string]any `yaml:"diff"`
}

// LoadFile reads arms from a JSON or YAML file and checks each against the
// default configuration. Errors name the file, the arm, the field and the value;
// on error no arm is returned (and none is registered).
func LoadFile(path string) ([]Arm, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, raw)
}

// Parse reads arms from the bytes of an arm file named name.
func Parse(name string, raw []byte) ([]Arm, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no arms", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(f.Arms) == 0 {
		return nil, fmt.Errorf("%s: no arms (want a top-level \"arms:\" list)", name)
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document (a second one after \"---\" would be ignored); put every arm in the first document's arms: list", name)
	}
	seen := map[string]bool{}
	var out []Arm
	for i, fa := range f.Arms {
		if fa.Name == "" {
			return nil, fmt.Errorf("%s: arm #%d: field \"name\" is missing", name, i+1)
		}
		if seen[fa.Name] {
			return nil, fmt.Errorf("%s: arm %q is defined twice", name, fa.Name)
		}
		seen[fa.Name] = true
		if _, err := Get(fa.Name); err == nil {
			return nil, fmt.Errorf("%s: arm %q is already a registered arm; choose another name", name, fa.Name)
		}
		a := Arm{Name: fa.Name, Doc: fa.Doc, Diff: recipe.Diff(fa.Diff)}
		if err := a.Check(recipe.Default()); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, a)
	}
	return out, nil
}
