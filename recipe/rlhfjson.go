package recipe

import (
	"bytes"
	"encoding/json"
)

// plainConfig is Config without its MarshalJSON: every section, always.
type plainConfig Config

// MarshalJSON writes c's fields as encoding/json would, except that the rlhf
// section is left out when it holds the defaults and the method does not use it
// (every method but rlhf and oracle). So the JSON of a config that does not touch
// exact RLHF — and the result key that hashes it — is what it was before the
// section existed, and results stored by earlier versions stay valid. Apply,
// Flatten and DiffPaths see every section (they marshal plainConfig).
func (c Config) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(plainConfig(c))
	if err != nil || c.Method == MethodRLHF || c.Method == MethodOracle || c.RLHF != Default().RLHF {
		return b, err
	}
	sec, err := json.Marshal(c.RLHF)
	if err != nil {
		return nil, err
	}
	field := append([]byte(`,"rlhf":`), sec...)
	if bytes.Count(b, field) != 1 {
		panic("recipe: the rlhf section is not where MarshalJSON expects it")
	}
	return bytes.Replace(b, field, nil, 1), nil
}
