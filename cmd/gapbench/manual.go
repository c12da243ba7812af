package main

import (
	_ "embed"
	"strings"
)

//go:embed doc.go
var docSource string

// manual is printed by gapbench help: the package documentation itself, so the
// two cannot drift apart.
var manual = func() string {
	var b strings.Builder
	for _, line := range strings.Split(docSource, "\n") {
		if !strings.HasPrefix(line, "//") {
			break
		}
		line = strings.TrimPrefix(strings.TrimPrefix(line, "//"), " ")
		b.WriteString(strings.ReplaceAll(line, "\t", "  ") + "\n")
	}
	return b.String()
}()
