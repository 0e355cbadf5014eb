// Package experiment is the registry and the run function. Schema lists every dataset kind and
// model kind a spec may name, one line each; everything else about a kind lives in its own
// package, behind the datasets.Kind and models.Kind interfaces, so nothing here (or anywhere
// outside a kind's package) switches on kind names. Runner builds a run's data (once per data
// set, shared read-only by the runs that need it and freed after the last of them) and fits its
// model. docs/extending.md shows how to add a kind.
package experiment
