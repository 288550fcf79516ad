package store

// The store gives back the pages of its file that its long operations read
// through bbolt's mapping (ReleaseMemory): writing rendered files (every
// PutSite), listing the site's paths, and, once every releaseEvery bytes,
// reading files and walking items. Without it a process's resident memory
// grows with every page it has read: rendering 10,000 recordings touched
// some 60 MB of the file per 8 MB of files stored (the kernel maps up to 16
// neighbouring pages with each one read), and a whole site of 300 MB was
// resident by the time it was written out. With it, what stays resident is
// what the operation under way reads, not everything read before.

// releaseEvery is how many bytes read through the mapping trigger a
// release; a read maps up to 64 KiB around each page it touches, so this
// bounds the growth between releases to some tens of megabytes.
const releaseEvery = 2 << 20

// readThrough counts n bytes read through the mapping and releases the
// mapping's pages once releaseEvery have been. It must not be called inside
// a transaction: ReleaseMemory opens one, and a read transaction inside
// another can deadlock with a writer remapping the file.
func (db *DB) readThrough(n int) {
	if db.readMap.Add(int64(n)) >= releaseEvery {
		db.ReleaseMemory()
	}
}
