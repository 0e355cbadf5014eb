// Package metrics is the record of what a run measured (accuracy and loss per split, per user,
// per ground-truth group, few-shot curves, parameter counts), as result.json stores it and
// runs.csv flattens it. It is a plain record: it imports no dataset or model code, so that
// readers of the run store (reports, other tools) do not link them. The evaluation that fills
// it is models.Evaluate; aggregation over seeds lives in reports.
package metrics
