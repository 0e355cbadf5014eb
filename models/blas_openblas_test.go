//go:build openblas

package models

func init() { OpenBLASSgemm = openblasSgemm }
