// Package baselines holds the methods PAL is compared against. BTL (Bradley-Terry-Luce) fits
// one scalar reward r(x) for every user, P(x preferred to x') = sigmoid(r(x) - r(x')), with a
// linear map or an MLP on the frozen item embeddings, trained by the same loop as PAL. Imported
// brings in the scores of a reward model run elsewhere (the paper's large-reward-model
// baseline, e.g. PickScore) and evaluates them exactly as PAL and BTL are evaluated.
package baselines
