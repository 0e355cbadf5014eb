package models

// widen copies the float32 values of src into dst as float64 (exactly: every float32 is a
// float64). It is how a mini-batch gathers its item and prompt rows from the float32 storage
// of datasets.Data. dst must be at least as long as src.
func widen(dst []float64, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// narrow rounds float64 values to float32 storage (round to nearest even). dst must be at
// least as long as src.
func narrow(dst []float32, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v)
	}
}
