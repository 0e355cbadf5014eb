package models

// widen copies float32 values into float64 storage (exactly: every float32 is a float64).
func widen(dst []float64, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// narrow rounds float64 values to float32 storage (round to nearest even).
func narrow(dst []float32, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v)
	}
}
