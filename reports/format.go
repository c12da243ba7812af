package reports

import "strconv"

// formatFloat prints v in the shortest form that parses back to v exactly.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
