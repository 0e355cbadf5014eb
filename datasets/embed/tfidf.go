package embed

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

	"gonum.org/v1/gonum/mat"

	"github.com/pal-harness/pal/internal/seeds"
)

// TFIDFSVD is the built-in offline embedder: TF-IDF features of words and word pairs reduced to
// Dim dimensions by a truncated SVD (latent semantic analysis, Deerwester et al. 1990). It is a
// stand-in for the frozen foundation-model features of the paper, so that experiments on text
// run with no network and no model weights; every report labels it as such (see Note).
//
// It is fitted on the texts of each Embed call, all at once (transductively: the vocabulary,
// the document frequencies and the SVD come from exactly those texts), so a data set builder
// passes every text of the data set in one call. The result depends only on the texts, in order:
// the same texts give the same bits on every machine.
//
// The construction, in order:
//   - Tokens: the text lower-cased, split into runs of letters, digits and apostrophes (an
//     apostrophe at either end of a run is dropped). Terms: every token and every pair of
//     adjacent tokens ("would not", "not say" carry a stance single words lose).
//   - Vocabulary: the terms found in at least MinDF texts (2), in lexical order.
//   - Weights: sublinear term frequency 1 + ln(count) times the smoothed inverse document
//     frequency ln((1 + n) / (1 + df)) + 1 (n texts, df texts holding the term), then each
//     text's vector scaled to unit Euclidean norm (a text with no known term stays zero).
//   - Reduction: the top Dim right singular vectors V of the n x |vocab| matrix A by the
//     randomized range finder with power iterations of Halko, Martinsson and Tropp ("Finding
//     structure with randomness", SIAM Review 53(2), 2011, algorithms 4.4 and 5.1): a Gaussian
//     test matrix of Dim + 10 columns drawn from a PCG seeded by the texts' sha256, 4 power
//     iterations re-orthonormalised by QR, then the exact SVD of the small projected matrix.
//     When Dim + 10 is at least min(n, |vocab|) the range finder spans the whole row space and
//     the SVD is exact. The embedding of text i is row i of A V (= U Σ); dimensions beyond the
//     rank of A are zero. Each component's sign is fixed so that its largest-magnitude entry
//     over the texts is positive.
//   - Scale: all vectors are multiplied by one constant so that their mean squared norm is Dim,
//     giving coordinates of order 1 like the synthetic generator's N(0, I) items; relative
//     geometry is unchanged.
type TFIDFSVD struct {
	dim   int
	minDF int
}

// NewTFIDFSVD returns the offline embedder reducing to dim dimensions.
func NewTFIDFSVD(dim int) (*TFIDFSVD, error) {
	if dim < 1 {
		return nil, fmt.Errorf("tfidf-svd: dimension %d, want at least 1", dim)
	}
	return &TFIDFSVD{dim: dim, minDF: 2}, nil
}

// Name is "tfidf-svd(dim=D)".
func (e *TFIDFSVD) Name() string { return fmt.Sprintf("tfidf-svd(dim=%d)", e.dim) }

// Dim is the output dimension.
func (e *TFIDFSVD) Dim() int { return e.dim }

// FitsOnInput reports that an embedding depends on every text of the call (see CorpusFitted).
func (e *TFIDFSVD) FitsOnInput() bool { return true }

// Note labels the features in reports.
func (e *TFIDFSVD) Note() string {
	return "embeddings: " + e.Name() + ", the built-in offline TF-IDF + truncated SVD of the data set's own texts: " +
		"a stand-in for the frozen foundation-model features of the paper, so absolute accuracies are not comparable with the paper's"
}

// Embed fits the embedder on texts and returns their embeddings, len(texts) x Dim, row-major.
func (e *TFIDFSVD) Embed(ctx context.Context, texts []string) ([]float64, error) {
	n := len(texts)
	out := make([]float64, n*e.dim)
	if n == 0 {
		return out, nil
	}
	a := tfidf(texts, e.minDF)
	if a.cols == 0 {
		return out, nil // no term occurs in MinDF texts: every text is the zero vector
	}
	seed := corpusSeed(texts)
	x, err := truncatedSVD(ctx, a, e.dim, seed)
	if err != nil {
		return nil, err
	}
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	if ss > 0 {
		s := math.Sqrt(float64(e.dim) * float64(n) / ss)
		for i := range x {
			x[i] *= s
		}
	}
	copy(out, x)
	return out, nil
}

// corpusSeed is a seed derived from the texts in order.
func corpusSeed(texts []string) uint64 {
	h := sha256.New()
	var l [8]byte
	for _, t := range texts {
		binary.LittleEndian.PutUint64(l[:], uint64(len(t)))
		h.Write(l[:])
		h.Write([]byte(t))
	}
	return binary.LittleEndian.Uint64(h.Sum(nil))
}

// tokens splits a text as TFIDFSVD documents.
func tokens(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	out := f[:0]
	for _, t := range f {
		if t = strings.Trim(t, "'"); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// terms returns the unigrams and bigrams of a text with their counts.
func terms(text string) map[string]int {
	tok := tokens(text)
	c := make(map[string]int, 2*len(tok))
	for i, t := range tok {
		c[t]++
		if i > 0 {
			c[tok[i-1]+" "+t]++
		}
	}
	return c
}

// csr is a sparse matrix in compressed sparse row form.
type csr struct {
	rows, cols int
	ptr        []int // row i holds entries ptr[i]..ptr[i+1]
	idx        []int
	val        []float64
}

// tfidf builds the l2-normalised sublinear TF-IDF matrix of the texts.
func tfidf(texts []string, minDF int) *csr {
	counts := make([]map[string]int, len(texts))
	df := map[string]int{}
	for i, t := range texts {
		counts[i] = terms(t)
		for term := range counts[i] {
			df[term]++
		}
	}
	var vocab []string
	for term, d := range df {
		if d >= minDF {
			vocab = append(vocab, term)
		}
	}
	sort.Strings(vocab)
	col := make(map[string]int, len(vocab))
	idf := make([]float64, len(vocab))
	n := float64(len(texts))
	for j, term := range vocab {
		col[term] = j
		idf[j] = math.Log((1+n)/(1+float64(df[term]))) + 1
	}
	m := &csr{rows: len(texts), cols: len(vocab), ptr: make([]int, 1, len(texts)+1)}
	for _, c := range counts {
		start := len(m.idx)
		for term := range c {
			if j, ok := col[term]; ok {
				m.idx = append(m.idx, j)
			}
		}
		row := m.idx[start:]
		sort.Ints(row)
		var ss float64
		for _, j := range row {
			v := (1 + math.Log(float64(c[vocab[j]]))) * idf[j]
			m.val = append(m.val, v)
			ss += v * v
		}
		if ss > 0 {
			inv := 1 / math.Sqrt(ss)
			for k := start; k < len(m.val); k++ {
				m.val[k] *= inv
			}
		}
		m.ptr = append(m.ptr, len(m.idx))
	}
	return m
}

// mul returns A B for B (cols x k), a dense rows x k matrix, or with transpose Aᵀ B for B
// (rows x k), a dense cols x k matrix. Both walk the non-zeros of A in storage order: entry
// (i, j) adds its value times row j of B to row i of the result, or, transposed, times row i
// of B to row j.
func (a *csr) mul(b *mat.Dense, transpose bool) *mat.Dense {
	_, k := b.Dims()
	rows := a.rows
	if transpose {
		rows = a.cols
	}
	out := mat.NewDense(rows, k, nil)
	raw := out.RawMatrix()
	braw := b.RawMatrix()
	for i := range a.rows {
		for p := a.ptr[i]; p < a.ptr[i+1]; p++ {
			v := a.val[p]
			di, si := i, a.idx[p]
			if transpose {
				di, si = si, di
			}
			dst := raw.Data[di*raw.Stride : di*raw.Stride+k]
			src := braw.Data[si*braw.Stride : si*braw.Stride+k]
			for c, s := range src {
				dst[c] += v * s
			}
		}
	}
	return out
}

// orthonormalize returns an orthonormal basis of the columns of y: modified Gram-Schmidt applied
// twice ("twice is enough", Giraud et al., Numer. Math. 101, 2005), which keeps the thin factor
// only (a full QR of a terms x l matrix would need terms x terms memory). A column that is
// (numerically) in the span of the earlier ones becomes zero.
func orthonormalize(y *mat.Dense) *mat.Dense {
	r, c := y.Dims()
	cols := make([][]float64, c)
	for j := range c {
		cols[j] = mat.Col(nil, j, y)
	}
	for j := range c {
		norm0 := floatsNorm(cols[j])
		for range 2 {
			for i := range j {
				var d float64
				for t, v := range cols[i] {
					d += v * cols[j][t]
				}
				for t, v := range cols[i] {
					cols[j][t] -= d * v
				}
			}
		}
		nrm := floatsNorm(cols[j])
		if nrm <= 1e-10*norm0 || nrm == 0 {
			clear(cols[j])
			continue
		}
		for t := range cols[j] {
			cols[j][t] /= nrm
		}
	}
	out := mat.NewDense(r, c, nil)
	for j := range c {
		out.SetCol(j, cols[j])
	}
	return out
}

func floatsNorm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// truncatedSVD returns the rows of A V_k (n x k, row-major; zero beyond the rank) for the top k
// right singular vectors of A, by the randomized range finder (see TFIDFSVD).
func truncatedSVD(ctx context.Context, a *csr, k int, seed uint64) ([]float64, error) {
	const oversample, powerIters = 10, 4
	l := min(k+oversample, a.rows, a.cols)
	rng := seeds.PCG(seed, seeds.TFIDFRangeFinder)
	omega := mat.NewDense(a.cols, l, nil)
	od := omega.RawMatrix().Data
	for i := range od {
		od[i] = rng.NormFloat64()
	}
	q := orthonormalize(a.mul(omega, false))
	for range powerIters {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		z := orthonormalize(a.mul(q, true))
		q = orthonormalize(a.mul(z, false))
	}
	// B = Qᵀ A (l x cols) = (Aᵀ Q)ᵀ; A ≈ Q B = (Q Ub) Σ Vᵀ.
	bt := a.mul(q, true) // cols x l
	var svd mat.SVD
	if ok := svd.Factorize(bt, mat.SVDThin); !ok {
		return nil, fmt.Errorf("tfidf-svd: SVD did not converge on %d texts x %d terms", a.rows, a.cols)
	}
	// bt = Vb Σ Ubᵀ, so B = Ub Σ Vbᵀ: the left vectors of B are the right ones of bt.
	var ub mat.Dense
	svd.VTo(&ub) // l x l
	sv := svd.Values(nil)
	var u mat.Dense
	u.Mul(q, &ub) // rows x l: left singular vectors of A
	kk := min(k, l)
	out := make([]float64, a.rows*k)
	for c := range kk {
		// Sign: the largest-magnitude entry of the component is positive.
		best, sign := 0.0, 1.0
		for i := range a.rows {
			if v := u.At(i, c); math.Abs(v) > best {
				best = math.Abs(v)
				sign = math.Copysign(1, v)
			}
		}
		for i := range a.rows {
			out[i*k+c] = sign * u.At(i, c) * sv[c]
		}
	}
	return out, nil
}
