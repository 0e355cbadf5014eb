// Package baselines holds the methods PAL is compared against. BTL (Bradley-Terry-Luce) fits
// one scalar reward r(x) for every user, P(x preferred to x') = sigmoid(r(x) - r(x')), with a
// linear map or an MLP on the frozen item embeddings, trained by the same loop as PAL.
package baselines
