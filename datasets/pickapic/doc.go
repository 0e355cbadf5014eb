// Package pickapic reads the PAL authors' published CLIP-H embeddings of Pick-a-Pic
// (Hugging Face ramya-ml/pickapic-embeds) and of their semi-synthetic Pick-a-Filter
// (ramya-ml/pick-a-filter-embeds) natively, without Python.
//
// An archive is a zip of one joblib pickle per comparison, named <id>.joblib and holding
// (((uid, prompt_emb, (left_emb, right_emb)), y), id) as the authors' loader reads it
// (src/dataset.py of github.com/RamyaLab/pluralistic-alignment) or the bare
// ((uid, prompt_emb, (left_emb, right_emb)), y), plus torch-saved lists of ids per split.
// Embeddings may be numpy arrays (joblib stores their bytes out of band, after the pickle frame
// that describes them), pickled numpy arrays, torch tensors or lists of numbers; joblib files may
// be compressed with zlib, gzip or bz2. Labels follow the authors' convention: y = -1 means the
// LEFT image was preferred, +1 the right ({-1,3} and {0,1} files: the smaller value is left).
//
// Load streams an archive into datasets.Data (one pickle in memory at a time, embeddings stored
// once); Convert streams it to the bring-your-own format without holding the embeddings. The
// pickle machine is github.com/nlpodyssey/gopickle; the Python classes the files use are
// resolved here and any other class is refused by name.
package pickapic
