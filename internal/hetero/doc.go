// Package hetero is the arithmetic of the report's heterogeneity analyses: how well a
// clustering of users matches their true groups (adjusted Rand index, normalised mutual
// information, Hungarian matching of prototypes to groups), how many prototypes users rely on
// (entropy, effective number), how calibrated predicted probabilities are (expected calibration
// error), which K to choose from validation accuracy (the one-standard-error rule), and how to
// place weight vectors in a plane (ternary coordinates, PCA). It is plain arithmetic on slices,
// with no knowledge of runs or reports, so each piece is tested on hand-computed cases.
package hetero
