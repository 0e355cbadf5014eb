package models

// widen copies the float32 values of src into dst as float64 (exactly: every float32 is a
// float64). It is how a mini-batch gathers its item and prompt rows from the float32 storage
// of datasets.Data. dst must be at least as long as src.
func widen(dst []float64, src []float32) {
	dst = dst[:len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 { // unrolled: the loop overhead is most of the cost
		s, d := src[i:i+4:i+4], dst[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = float64(s[0]), float64(s[1]), float64(s[2]), float64(s[3])
	}
	for ; i < len(src); i++ {
		dst[i] = float64(src[i])
	}
}

// narrow rounds float64 values to float32 storage (round to nearest even). dst must be at
// least as long as src.
func narrow(dst []float32, src []float64) {
	dst = dst[:len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		s, d := src[i:i+4:i+4], dst[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = float32(s[0]), float32(s[1]), float32(s[2]), float32(s[3])
	}
	for ; i < len(src); i++ {
		dst[i] = float32(src[i])
	}
}
