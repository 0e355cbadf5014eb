// Package metrics defines what a run measures (accuracy and loss per split, per user, per
// ground-truth group, few-shot curves, parameter counts) and the evaluation that computes it from
// any model that can score a pair. It is shared by models, baselines, the run store and reports;
// aggregation over seeds lives in reports, not here.
package metrics
