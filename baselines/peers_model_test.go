package baselines

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/pal-harness/pal/datasets"
	"github.com/pal-harness/pal/models"
	"github.com/pal-harness/pal/sweeps"
)

// peerDecoder is the registry's decoder for the servable peer kinds.
func peerDecoder(kind string, fields map[string]any) (any, error) {
	var cfg any
	switch kind {
	case "lore":
		cfg = &LoReConfig{}
	case "dpl":
		cfg = &DPLConfig{}
	case "user-id":
		cfg = &UserIDConfig{}
	case "individual":
		cfg = &IndividualConfig{}
	case "vpl":
		cfg = &VPLConfig{}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	return cfg, sweeps.SetConfigFields(cfg, fields)
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestPeerModelsRoundTrip: a fitted LoRe, user-ID, individual, VPL and DPL model saved and loaded
// back give, through the reward API `pal score` uses, every test and unseen_test margin of the
// evaluation bit for bit, for each user's own weights, embedding, reward or latent (DPL's mean rewards
// have the sign of its margins); a free-vector user takes any finite values as a new user.
func TestPeerModelsRoundTrip(t *testing.T) {
	d := peerData(t, 60)
	net := PeerNet{Map: "mlp", MLPConfig: models.MLPConfig{Layers: 1, Width: 8, Activation: "relu", Precision: models.Float32}}
	for _, k := range []models.Kind{
		&LoReConfig{K: 2, PeerNet: net, LR: 3e-3, LRUser: 3e-2},
		&UserIDConfig{Dim: 2, PeerNet: net, LR: 3e-3, LRUser: 3e-2},
		&IndividualConfig{Hidden: 4, LR: 1e-2},
		&IndividualConfig{Hidden: 0, LR: 1e-2},
		&DPLConfig{PeerNet: net, Link: "probit", LR: 3e-3},
		&VPLConfig{Latent: 3, PeerNet: net, EncoderLayers: 1, EncoderWidth: 8, ContextPairs: 8, KL: 0.01, LR: 3e-3},
	} {
		f, err := k.Fit(context.Background(), models.FitInput{Data: d, Train: peerTrain, FewShot: peerFewShot, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "model.safetensors")
		if err := models.SaveModel(path, f.Model, sweeps.ConfigFields(k), nil); err != nil {
			t.Fatal(err)
		}
		loaded, err := models.LoadModel(path, peerDecoder)
		if err != nil {
			t.Fatal(err)
		}
		scorer := f.Model.(models.Scorer)
		for _, split := range []datasets.Split{datasets.Test, datasets.UnseenTest} {
			for _, p := range d.Splits[split] {
				var w []float64
				if loaded.Info.K > 0 {
					if w, err = loaded.UserWeights(d.Users[p.User].ID); err != nil {
						t.Fatal(err)
					}
				}
				r, err := loaded.Reward(append(widen(d.Item(p.Left)), widen(d.Item(p.Right))...), nil, w)
				if err != nil {
					t.Fatal(err)
				}
				got, want := r[0]-r[1], scorer.Margin(p)
				if loaded.Info.Kind == "dpl" {
					if (got > 0) != (want > 0) {
						t.Fatalf("dpl %s pair %+v: mean difference %v, margin %v", split, p, got, want)
					}
				} else if math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("%s %s pair %+v: served margin %v, evaluated %v", loaded.Info.Kind, split, p, got, want)
				}
			}
		}
		if k := loaded.Info.Kind; k == "user-id" || k == "individual" || k == "vpl" {
			free := make([]float64, loaded.Info.K)
			free[0] = -3.5 // not mixture weights, and fine for a free-vector user
			if err := loaded.CheckWeights(free); err != nil {
				t.Errorf("%s: a new user's values %v refused: %v", loaded.Info.Kind, free, err)
			}
			free[0] = math.NaN()
			if err := loaded.CheckWeights(free); err == nil {
				t.Errorf("%s: a NaN value accepted", loaded.Info.Kind)
			}
		}
	}
}

// TestPeerKindsDeterministic: every peer kind fitted twice from the same seed gives the same
// metrics, bit for bit.
func TestPeerKindsDeterministic(t *testing.T) {
	d := peerData(t, 40)
	tc := &models.TrainConfig{Epochs: 5, BatchSize: 32, Patience: 2}
	fc := &models.FewShotConfig{PairsPerUser: []int{5}, Epochs: 5, LR: 5e-2, BatchSize: 32, Patience: 2}
	for _, k := range []models.Kind{DefaultMixBTL(), DefaultLoRe(), DefaultUserID(), DefaultIndividual(), DefaultDPL(), DefaultVPL()} {
		var runs []string
		for range 2 {
			f, err := k.Fit(context.Background(), models.FitInput{Data: d, Train: tc, FewShot: fc, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(f.Metrics)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, string(b))
		}
		if runs[0] != runs[1] {
			t.Errorf("%T: two fits from one seed differ:\n%s\n%s", k, runs[0], runs[1])
		}
	}
}
