// Package experiment wires the pieces together: the spec Schema listing every dataset and model
// kind, and the RunFunc that builds a run's data and fits its model. It is the only place that
// knows all kinds; adding a kind means adding it here.
package experiment
