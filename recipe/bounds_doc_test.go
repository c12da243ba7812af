package recipe

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// boundsTable is the table of bounds as the package documentation prints it.
func boundsTable() string {
	var b strings.Builder
	for _, x := range Bounds() {
		fmt.Fprintf(&b, "//\t%-36s %10.0f  %s\n", x.Field, x.Max, x.Why)
	}
	return b.String()
}

// TestBoundsDocumented checks that the package documentation tables every bound
// exactly as Bounds lists it (go test -run TestBoundsDocumented -v prints the table).
func TestBoundsDocumented(t *testing.T) {
	src, err := os.ReadFile("recipe.go")
	if err != nil {
		t.Fatal(err)
	}
	want := boundsTable()
	if !strings.Contains(string(src), want) {
		t.Errorf("the package documentation in recipe.go does not hold the table of bounds; want:\n%s", want)
	}
}
