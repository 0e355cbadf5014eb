// Package models implements PAL-A (users as convex mixtures of K prototypes in a learned
// latent space, Chen et al. 2024, arXiv 2406.08469) on top of frozen item embeddings: the MLP
// "mlpL" of the authors' code, losses, Adam with parameter groups, the mini-batch training loop
// with early stopping, and few-shot adaptation of unseen users. Every backward pass is written by
// hand and checked against finite differences in the tests.
//
// It is not where data is made (datasets), where comparison methods live (baselines) or where
// runs are scheduled (sweeps).
package models
