package metrics

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNamesAreJSONTags holds the metric names of Policy's fields equal to
// their JSON tags, and checks that every field has one.
func TestNamesAreJSONTags(t *testing.T) {
	names := map[string]string{
		"WinRate": WinRate, "GoldReward": GoldReward, "KLRef": KLRef, "Subopt": Subopt,
		"OODMass": OODMass, "RougeL": RougeL, "RareMass": RareMass,
	}
	typ := reflect.TypeFor[Policy]()
	assert.Equal(t, typ.NumField(), len(names), "every field of Policy has a name constant")
	for i := range typ.NumField() {
		f := typ.Field(i)
		assert.Equal(t, f.Tag.Get("json"), names[f.Name], "Policy.%s", f.Name)
	}
	assert.Equal(t, "bon_25", BestOfNName(25))
	assert.Equal(t, "bon_dpo_1", BestOfNDPOName(1))
}
