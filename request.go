package masspay

import "strings"

// Requests are decoded (by the HTTP layer's generic decoder) into the *Input types of this
// package, whose json tags name the members; their checks live next to them, here. A decoder
// reports the values of the wrong JSON type; Judge merges those with what the checks find.

// Judge returns the errors of a request: its type errors (values of the wrong JSON type, found
// while decoding), then what check finds in the rest. A place a type error names, or a place
// inside it, is not judged again: one answer lists every problem once.
func Judge(typeErrs Fields, check func(*Fields)) Fields {
	var judged Fields
	check(&judged)
	out := append(Fields{}, typeErrs...)
	for _, fe := range judged {
		if !typeErrs.covers(fe.Path) {
			out = append(out, fe)
		}
	}
	return out
}

// covers reports whether path is one of f's paths or lies inside one.
func (f Fields) covers(path string) bool {
	for _, e := range f {
		if path == e.Path || strings.HasPrefix(path, e.Path+"/") {
			return true
		}
	}
	return false
}

// Keys, as a field of an input type, receives every member name the request's object was sent
// with (null ones too), sorted: for requests that refuse members they do not know.
type Keys []string

// pointerEscaper escapes a member name for a JSON pointer (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// Pointer returns the JSON pointer of member key of the object at path.
func Pointer(path, key string) string {
	if strings.ContainsAny(key, "~/") {
		key = pointerEscaper.Replace(key)
	}
	return path + "/" + key
}

// Href is a HAL link object of a request.
type Href struct {
	Href string `json:"href"`
}
