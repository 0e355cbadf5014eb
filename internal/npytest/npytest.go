// Package npytest builds .npy files byte by byte, for the tests of the readers of user files
// (datasets, baselines): headers numpy would not write (a shape larger than the data, Fortran
// order, an odd header length, broken dictionaries) as well as the ones it does.
package npytest

import (
	"bytes"
	"encoding/binary"
)

// V1 is a version 1.0 file: the header dictionary dict, padded with spaces and a newline as
// numpy pads it (the data starts at a multiple of 64 bytes), then data.
func V1(dict string, data []byte) []byte {
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	return File(1, dict+"\n", data)
}

// File is a file of format version major.0 whose header is exactly header (a dictionary, any
// padding, a newline) and whose data is data. Version 1 stores the header length in 2 bytes,
// versions 2 and 3 in 4.
func File(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}
