// Package models implements PAL (Chen et al. 2024, arXiv 2406.08469) on top of frozen item
// embeddings: PAL-A (users as convex mixtures of K prototypes in a learned latent space) and
// PAL-B (K prompt-conditioned mappings mixed per user), every scoring and loss option of the
// authors' code (head.go), the MLP "mlpL", Adam with parameter groups, the mini-batch training
// loop with early stopping, few-shot adaptation of unseen users, model files (safetensors) and
// the reward API that scores new items from a saved model. Every backward pass is written by
// hand and checked against finite differences in the tests.
//
// It is not where data is made (datasets), where comparison methods live (baselines) or where
// runs are scheduled (sweeps).
package models
