// Package download fetches files over HTTP into a cache folder so that a partial or corrupt
// file is never mistaken for a whole one.
//
// A file is written to NAME.part, resumed with an HTTP Range request after a cut connection (or
// restarted from byte 0 when the server ignores Range), checked against its pinned size and
// sha256, fsynced and only then renamed to NAME. So a file under its final name is always
// complete and verified; a NAME.part file is the resume state of an interrupted download and is
// never read as data. After a checksum mismatch, a size mismatch, an HTTP error such as 404 or a
// full disk the .part file is deleted; after a network failure or a cancellation it is kept so
// that running the same fetch again resumes where it stopped.
//
// Errors say what failed and what to do: the URL of a 404, both checksums of a mismatch, how many
// bytes a full disk needed and in which folder, and the command that resumes a network failure
// (Options.Rerun). Transient failures (a dropped connection, HTTP 429 and 5xx) are retried with
// exponential backoff. A host that cannot be reached at all (no network, a name that does not
// resolve, a closed port) is asked once by FetchAll and fails all its files with one
// UnreachableError, which names the host and the way out (a proxy, a mirror).
//
// A mirror (MirrorURL) is an http(s) base URL or a local folder holding each data set's files as
// a pal cache folder does, <mirror>/<data set>/<file>; a folder is read through file:// URLs
// with the same Range, size and checksum handling as HTTP.
//
// Meter draws a one-line progress display (bytes, files, rate) on a terminal, and in a log
// writes whole lines at a bounded rate (as files finish, at most every LogEvery, and every
// Heartbeat while none does). The package knows nothing of data sets: package catalog says
// which files to fetch, and `pal data fetch` ties the two together. No test of this package
// touches the network: they run against net/http/httptest servers, closed local ports and the
// unresolvable name nonexistent.invalid.
package download
