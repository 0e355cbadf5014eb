// Package baselines holds the methods PAL is compared against. BTL (Bradley-Terry-Luce) fits
// one scalar reward r(x) for every user, P(x preferred to x') = sigmoid(r(x) - r(x')), with a
// linear map or an MLP on the frozen item embeddings, trained by the same loop as PAL. Imported
// brings in the scores of a reward model run elsewhere (the paper's large-reward-model
// baseline, e.g. PickScore) and evaluates them exactly as PAL and BTL are evaluated.
//
// The peer methods (README "Peer methods") are the personalized reward models a reviewer
// expects beside PAL, each a model kind of one file: the mixture of BTL rewards (mixbtl.go),
// LoRe (lore.go), the user-ID-conditioned reward of P-RLHF (userid.go), individual reward
// models (individual.go), DPL (dpl.go) and VPL (vpl.go); peers.go holds what they share (the
// reward network, the per-item personalized model built on models.UserTable, the margins of
// user-conditioned networks). Each doc comment cites its paper and code and says where pal's
// version differs.
package baselines
