package recipe

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProtocolValidate(t *testing.T) {
	tuned, _ := NewProtocol(ProtocolTuned)
	frontier, _ := NewProtocol(ProtocolFrontier)
	for _, tc := range []struct {
		name string
		p    ProtocolConfig
		want string // "" for valid
	}{
		{"recipe", ProtocolConfig{}, ""},
		{"tuned", tuned, ""},
		{"frontier", frontier, ""},
		{"unknown", ProtocolConfig{Name: "fast"}, `protocol.name must be one of tuned, frontier (or empty for recipe), got "fast"`},
		{"recipe with a grid", ProtocolConfig{Grid: []int{1}}, "protocol recipe takes no parameters"},
		{"empty grid", ProtocolConfig{Name: ProtocolTuned, HeldOut: 8}, "protocol.grid must list at least one number of epochs"},
		{"decreasing grid", ProtocolConfig{Name: ProtocolTuned, Grid: []int{2, 1}, HeldOut: 8}, "protocol.grid must be increasing epochs >= 1, got [2 1]"},
		{"zero epochs in grid", ProtocolConfig{Name: ProtocolTuned, Grid: []int{0, 1}, HeldOut: 8}, "protocol.grid must be increasing epochs >= 1, got [0 1]"},
		{"no held-out pairs", ProtocolConfig{Name: ProtocolTuned, Grid: []int{1}}, "protocol.held_out must be >= 1, got 0"},
		{"frontier without probes", ProtocolConfig{Name: ProtocolFrontier, Epochs: 4}, "protocol.probes must be >= 1, got 0"},
		{"frontier without epochs", ProtocolConfig{Name: ProtocolFrontier, Probes: 4}, "protocol.epochs must be >= 1, got 0"},
		{"frontier with a grid", ProtocolConfig{Name: ProtocolFrontier, Epochs: 4, Probes: 4, Grid: []int{1}}, "protocol frontier takes epochs and probes only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default().WithProtocol(tc.p)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestRecipeProtocolIsOmitted checks that the recipe protocol leaves a config's
// JSON (and so its result key) as it was before protocols existed, and that the
// others appear in it.
func TestRecipeProtocolIsOmitted(t *testing.T) {
	b, _ := json.Marshal(Default())
	if strings.Contains(string(b), `"protocol"`) {
		t.Errorf("the default config's JSON names a protocol: %s", b)
	}
	for _, name := range []string{ProtocolTuned, ProtocolFrontier} {
		p, err := NewProtocol(name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(Default().WithProtocol(p))
		if !strings.Contains(string(b), `"protocol":{"name":"`+name+`"`) {
			t.Errorf("%s: config JSON lacks its protocol: %s", name, b)
		}
	}
	if _, err := NewProtocol("all"); err == nil {
		t.Error(`NewProtocol("all") succeeded; "all" is a CLI shorthand, not a protocol`)
	}
}
