// Package models implements PAL (Chen et al. 2024, arXiv 2406.08469) on top of frozen item
// embeddings: PAL-A (users as convex mixtures of K prototypes in a learned latent space) and
// PAL-B (K prompt-conditioned mappings mixed per user), every scoring and loss option of the
// authors' code (head.go), the MLP "mlpL", Adam with parameter groups, the mini-batch training
// loop with early stopping, few-shot adaptation of unseen users, model files (safetensors) and
// the reward API that scores new items from a saved model. Every backward pass is written by
// hand and checked against finite differences in the tests (in float64).
//
// Numerics: the MLPs compute in float32 by default (MLPConfig.Precision; their matrix products
// on internal/sgemm in every build), everything else (parameters, gradients, AdamW, scores and
// losses) in float64; with precision "float64" the MLPs too. float64 matrix products (those
// MLPs, PAL-A's prototype mixtures) run on gonum's pure-Go BLAS, or on OpenBLAS with the
// openblas build tag (BLAS names which; blas_gonum.go, blas_openblas.go). Training allocates
// nothing in its steady state: a model keeps its batch buffers, and an MLP's Tape its own.
//
// It is not where data is made (datasets), where comparison methods live (baselines) or where
// runs are scheduled (sweeps).
package models
