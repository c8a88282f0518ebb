package glidec

import (
	"fmt"
	"strings"
)

// show prints a result in the Python style of GLIDE's documentation: [OK, b"value"].
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case []byte:
		return fmt.Sprintf("b%q", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return fmt.Sprint(x)
	}
}
