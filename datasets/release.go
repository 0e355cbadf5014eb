package datasets

// What the readers of the authors' releases (persona-in-pal, pick-a-pic, reddit-tldr) share:
// the codings of their labels.

// labelConventions are the codings of "which side was preferred" in the authors' files. In
// each, the smaller value means the left item was preferred (the authors' y = -1), the larger
// the right one: y <= 0 is left preferred in all three.
var labelConventions = []struct {
	name        string
	left, right float64
}{{"{-1,+1}", -1, 1}, {"{-1,3}", -1, 3}, {"{0,1}", 0, 1}}

// LabelConvention names the first convention ({-1,+1}, {-1,3} or {0,1}) that every label of
// labels follows (the map's keys; its values, an example of each, are for the caller's error
// message); ok is false when none does.
func LabelConvention(labels map[float64]string) (name string, ok bool) {
	for _, c := range labelConventions {
		ok := true
		for y := range labels {
			if y != c.left && y != c.right {
				ok = false
				break
			}
		}
		if ok {
			return c.name, true
		}
	}
	return "", false
}
