// Package localfs is the blob driver that keeps objects as files under one directory.
//
// # Layout
//
//	<root>/tmp/                          files being written, large replaced files being unlinked (emptied at Open)
//	<root>/b/<hex bucket>/<path>         objects
//	<root>/u/<hex bucket>/<upload id>/   multipart uploads: "upload" (attributes) and part files
//
// An object's path comes from the lower-case hex encoding of its key cut into components of 250
// hex digits: every full component but the last is a directory, the last component (1..250
// digits) is the file, named "<digits>.o". Names are therefore only [0-9a-f.], never longer than
// 252 bytes, never ".", ".." or empty, so no key can escape the directory or collide with
// another key; and since hex preserves byte order, walking the tree in name order (a file before
// the directory it prefixes) lists keys in UTF-8 byte order.
//
// # Files
//
// An object file holds the bytes, then the attributes as JSON, then the JSON length (8 bytes,
// big endian) and the magic "SLUICEo1". Data and attributes are thus written in the same atomic
// step: the file is written under tmp/, fsynced, renamed over the object path, and the directory
// is fsynced. Part files have the same shape. Readers see the file they opened, so an overwrite
// during a read is invisible to it.
//
// # Attribute updates
//
// Update rewrites only the tail of the object file (attributes and trailer) in place, after
// the data, which it never touches. It is made atomic and crash-safe by a redo record: the new
// tail, the data length and the object path are first written to tmp/j-… and fsynced (with
// tmp/), then the tail is written and the file truncated to its new length and fsynced, then the
// record is removed (and tmp/ fsynced). Open replays every complete record it finds in tmp/
// before clearing it, so an update interrupted by a crash is finished; a torn record means
// the object was not yet touched and is ignored. Within the process, a lock per object (striped)
// keeps readers of the trailer, commits (renames over the path), deletes and other updates out
// while a tail is rewritten, so no one sees a half-written tail and no record outlives the file
// it names.
package localfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/blob"
)

const (
	magic     = "SLUICEo1"
	trailer   = 16 // length + magic
	component = 250
	maxMeta   = 1 << 20
)

// Options are the optional dependencies of Open; nil means defaults.
type Options struct {
	Now  func() time.Time // default time.Now
	Rand io.Reader        // upload ids; default crypto/rand
	// NoSync skips fsync (tests and benchmarks of everything else only).
	NoSync bool
}

// FS is a blob.Driver on a local directory.
type FS struct {
	root   string
	now    func() time.Time
	rand   io.Reader
	nosync bool
	mu     sync.Mutex // serializes directory pruning against creation
	bufs   sync.Pool  // of *[]byte chunkSize buffers for writeData
	// Large replaced files are unlinked off the request path (see commit): reapers bounds the
	// unlinks in flight, reap tracks them for Close, seq names the links.
	reapers chan struct{}
	reap    sync.WaitGroup
	seq     atomic.Uint64
	// objs are the per-object locks (by path hash): shared to read a trailer, exclusive to
	// replace, delete or update a file. Taken before mu.
	objs [64]sync.RWMutex
}

func (f *FS) objLock(path string) *sync.RWMutex {
	// FNV-1a, inline: hash/fnv would allocate for the string's bytes.
	h := uint32(2166136261)
	for i := 0; i < len(path); i++ {
		h = (h ^ uint32(path[i])) * 16777619
	}
	return &f.objs[h%uint32(len(f.objs))]
}

var _ blob.Driver = (*FS)(nil)

// Open opens (creating it if needed) a driver rooted at dir and clears leftovers of interrupted
// writes.
func Open(dir string, opts *Options) (*FS, error) {
	f := &FS{root: dir, now: time.Now, rand: rand.Reader, reapers: make(chan struct{}, maxReapers)}
	if opts != nil {
		if opts.Now != nil {
			f.now = opts.Now
		}
		if opts.Rand != nil {
			f.rand = opts.Rand
		}
		f.nosync = opts.NoSync
	}
	if err := f.replay(); err != nil {
		return nil, blob.E("open", blob.Internal, "", "", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "tmp")); err != nil {
		return nil, blob.E("open", blob.Internal, "", "", err)
	}
	for _, d := range []string{"tmp", "b", "u"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, blob.E("open", blob.Internal, "", "", err)
		}
	}
	return f, nil
}

// Close implements blob.Driver: it waits for the unlinks of replaced files still running.
func (f *FS) Close() error {
	f.reap.Wait()
	return nil
}

func checkName(op, bucket, key string) error {
	if bucket == "" || len(bucket) > 255 || !utf8.ValidString(bucket) {
		return blob.E(op, blob.Invalid, bucket, key, errors.New("bad bucket name"))
	}
	if key == "" || len(key) > blob.MaxKeyLen || !utf8.ValidString(key) {
		return blob.E(op, blob.Invalid, bucket, key, errors.New("bad key"))
	}
	return nil
}

func (f *FS) bucketDir(bucket string) string {
	return filepath.Join(f.root, "b", hex.EncodeToString([]byte(bucket)))
}

// objectPath maps a key to its file.
func (f *FS) objectPath(bucket, key string) string {
	h := hex.EncodeToString([]byte(key))
	parts := []string{f.bucketDir(bucket)}
	for len(h) > component {
		parts = append(parts, h[:component])
		h = h[component:]
	}
	parts = append(parts, h+".o")
	return filepath.Join(parts...)
}

// meta is what the JSON trailer holds.
type meta struct {
	Key    string     `json:"k"`
	Attrs  blob.Attrs `json:"a"`
	Upload string     `json:"u,omitempty"`
	Number int        `json:"n,omitempty"`
	Sums   [][]byte   `json:"s,omitempty"` // parts' binary MD5s (upload records)
}

// tmpFile creates a file under tmp/.
func (f *FS) tmpFile() (*os.File, error) {
	return os.CreateTemp(filepath.Join(f.root, "tmp"), "w-")
}

// writeTrailer appends the attributes and the trailer to w.
func writeTrailer(w io.Writer, m *meta) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var t [trailer]byte
	binary.BigEndian.PutUint64(t[:8], uint64(len(data)))
	copy(t[8:], magic)
	_, err = w.Write(append(data, t[:]...))
	return err
}

// readTrailer reads the attributes of an open file and returns the data length.
func readTrailer(file *os.File) (*meta, int64, error) {
	st, err := file.Stat()
	if err != nil {
		return nil, 0, err
	}
	return readTrailerSized(file, st.Size())
}

// readTrailerSized is readTrailer for a file of known size.
func readTrailerSized(file io.ReaderAt, size int64) (*meta, int64, error) {
	if size < trailer {
		return nil, 0, errors.New("localfs: file too short")
	}
	var t [trailer]byte
	if _, err := file.ReadAt(t[:], size-trailer); err != nil {
		return nil, 0, err
	}
	n, err := trailerLen(t[:], size)
	if err != nil {
		return nil, 0, err
	}
	buf := make([]byte, n)
	if _, err := file.ReadAt(buf, size-trailer-n); err != nil {
		return nil, 0, err
	}
	m := new(meta)
	if err := json.Unmarshal(buf, m); err != nil {
		return nil, 0, err
	}
	return m, size - trailer - n, nil
}

// trailerLen checks the trailer t (the last trailer bytes of a file of size bytes) and returns
// the length of the attributes before it.
func trailerLen(t []byte, size int64) (int64, error) {
	if string(t[8:]) != magic {
		return 0, errors.New("localfs: bad magic")
	}
	n := int64(binary.BigEndian.Uint64(t[:8]))
	if n > maxMeta || n > size-trailer {
		return 0, errors.New("localfs: bad trailer length")
	}
	return n, nil
}

// smallFile is the largest object file Open reads whole, with one read, serving its data from
// memory.
const smallFile = 64 << 10

// readSmall reads a file of size bytes (at most smallFile) whole, with one read into one
// allocation: the attributes and the data (which shares that allocation).
func readSmall(file io.ReaderAt, size int64) (*meta, []byte, error) {
	if size < trailer {
		return nil, nil, errors.New("localfs: file too short")
	}
	buf := make([]byte, size)
	if _, err := file.ReadAt(buf, 0); err != nil {
		return nil, nil, err
	}
	metaLen, err := trailerLen(buf[size-trailer:], size)
	if err != nil {
		return nil, nil, err
	}
	dataLen := size - trailer - metaLen
	m := new(meta)
	if err := json.Unmarshal(buf[dataLen:size-trailer], m); err != nil {
		return nil, nil, err
	}
	return m, buf[:dataLen:dataLen], nil
}

func (f *FS) sync(file *os.File) error {
	if f.nosync {
		return nil
	}
	return file.Sync()
}

func (f *FS) syncDir(dir string) error {
	if f.nosync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// commit fsyncs and closes tmp and renames it to dst, creating dst's directories.
//
// Freeing the blocks of a large file is slow (≈ 100 ms for 256 MiB on ext4), and a rename over
// an existing file frees the replaced one inside the rename. So a large replaced file is first
// hard-linked under tmp/, and that link is removed after the commit, in the background: the
// rename stays the one atomic step, and a link a crash leaves behind is removed with the rest
// of tmp/ at the next Open.
func (f *FS) commit(tmp *os.File, dst string) error {
	if err := f.sync(tmp); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	dir := filepath.Dir(dst)
	l := f.objLock(dst)
	l.Lock()
	defer l.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	old := f.setAside(dst)
	if err := os.Rename(tmp.Name(), dst); err != nil {
		if old != "" {
			os.Remove(old)
		}
		return err
	}
	err := f.syncDir(dir)
	if old != "" {
		f.unlinkLater(old)
	}
	return err
}

const (
	setAsideMin = 16 << 20 // replaced files from this size on are unlinked in the background
	maxReapers  = 4        // background unlinks in flight; beyond, commits unlink themselves
)

// setAside links dst, if it is a large file, to a new name under tmp/ and returns that name
// ("" when dst is missing or small, or the link failed).
func (f *FS) setAside(dst string) string {
	st, err := os.Lstat(dst)
	if err != nil || !st.Mode().IsRegular() || st.Size() < setAsideMin {
		return ""
	}
	name := filepath.Join(f.root, "tmp", "o-"+strconv.FormatUint(f.seq.Add(1), 10))
	if os.Link(dst, name) != nil {
		return ""
	}
	return name
}

// unlinkLater removes name in the background, or now when maxReapers unlinks are running.
func (f *FS) unlinkLater(name string) {
	select {
	case f.reapers <- struct{}{}:
		f.reap.Add(1)
		go func() {
			defer f.reap.Done()
			os.Remove(name)
			<-f.reapers
		}()
	default:
		os.Remove(name)
	}
}

const (
	chunkSize  = 1 << 20
	chunks     = 4
	flushEvery = 16 << 20 // start writeback this often, so the final fsync has little left to do
	syncEvery  = 64 << 20 // and fsync this often (in the background)
)

// writeData streams src to a temp file and returns the temp file (open), the size and the MD5.
// It is a three-stage pipeline over a fixed set of pooled chunks, so that its rate is that of
// the slowest stage (usually MD5) rather than the sum of all: the caller's goroutine fills
// chunks from src, a hashing goroutine feeds each chunk to MD5 and passes it on, a writing
// goroutine writes it to the file and returns it to the free list. Each stage works on its own
// chunk and never waits for another except when it has nothing to do, and memory is bounded by
// chunks × chunkSize.
func (f *FS) writeData(src io.Reader) (*os.File, int64, []byte, error) {
	tmp, err := f.tmpFile()
	if err != nil {
		return nil, 0, nil, err
	}
	ds, _ := src.(blob.DigestSource)
	checkMD5 := ds != nil && ds.TakeMD5()
	h := md5.New()
	free := make(chan []byte, chunks)
	toHash := make(chan []byte, chunks)
	toWrite := make(chan []byte, chunks)
	var owned []*[]byte
	for range chunks {
		bp, _ := f.bufs.Get().(*[]byte)
		if bp == nil {
			b := make([]byte, chunkSize)
			bp = &b
		}
		owned = append(owned, bp)
		free <- *bp
	}
	defer func() {
		for _, bp := range owned {
			f.bufs.Put(bp)
		}
	}()
	go func() {
		for b := range toHash {
			h.Write(b)
			toWrite <- b
		}
		close(toWrite)
	}()
	// The syncer fsyncs the file now and then while it is written, so that the disk has
	// persisted most of it (a cache flush per sync) by the time commit's fsync runs, which then
	// has little left; it runs beside the writer, which never waits for it. Its errors do not
	// matter: commit's fsync reports any.
	kick := make(chan struct{}, 1)
	synced := make(chan struct{})
	go func() {
		for range kick {
			tmp.Sync()
		}
		close(synced)
	}()
	werr := make(chan error, 1)
	go func() {
		var err error
		var written, flushed, kicked int64
		for b := range toWrite {
			if err == nil {
				_, err = tmp.Write(b)
				written += int64(len(b))
				if err == nil && !f.nosync && written-flushed >= flushEvery {
					startWriteback(tmp, flushed, written-flushed)
					flushed = written
				}
				if err == nil && !f.nosync && written-kicked >= syncEvery {
					select {
					case kick <- struct{}{}:
					default: // a sync is pending; it will cover this too
					}
					kicked = written
				}
			}
			free <- b[:cap(b)]
		}
		close(kick)
		<-synced
		werr <- err
	}()
	var n int64
	var rerr error
	for rerr == nil {
		b := <-free
		k := 0
		for k < len(b) && rerr == nil {
			var m int
			m, rerr = src.Read(b[k:])
			k += m
		}
		n += int64(k)
		if k > 0 {
			toHash <- b[:k]
		} else {
			free <- b
		}
	}
	close(toHash)
	err = <-werr // the writer is done only after the hasher
	sum := h.Sum(nil)
	switch {
	case rerr != io.EOF:
		err = &blob.ReadError{Err: rerr}
	case err == nil && checkMD5:
		if cerr := ds.CheckMD5(sum); cerr != nil {
			err = &blob.ReadError{Err: cerr}
		}
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, 0, nil, err
	}
	return tmp, n, sum, nil
}

func wrap(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	var be *blob.Error
	if errors.As(err, &be) {
		return err
	}
	var re *blob.ReadError
	if errors.As(err, &re) {
		return blob.E(op, blob.Invalid, bucket, key, err)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return blob.E(op, blob.NotFound, bucket, key, err)
	}
	return blob.E(op, blob.Internal, bucket, key, err)
}

// Put implements blob.Driver.
func (f *FS) Put(ctx context.Context, bucket, key string, r io.Reader, a *blob.Attrs) (*blob.Attrs, error) {
	if err := checkName("put", bucket, key); err != nil {
		return nil, err
	}
	tmp, n, sum, err := f.writeData(r)
	if err != nil {
		return nil, wrap("put", bucket, key, err)
	}
	m := &meta{Key: key}
	if a != nil {
		m.Attrs = *a
	}
	m.Attrs.Size, m.Attrs.ETag, m.Attrs.Parts = n, hex.EncodeToString(sum), 0
	m.Attrs.ModTime = f.now().UTC().Truncate(time.Millisecond)
	if err := f.finish(ctx, tmp, m, f.objectPath(bucket, key)); err != nil {
		return nil, wrap("put", bucket, key, err)
	}
	out := m.Attrs
	return &out, nil
}

// finish appends the trailer and commits, removing the temp file on failure.
func (f *FS) finish(ctx context.Context, tmp *os.File, m *meta, dst string) error {
	err := writeTrailer(tmp, m)
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = f.commit(tmp, dst)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	return err
}

type object struct {
	file  *os.File
	data  []byte // the whole data when read at Open (small objects); nil otherwise
	attrs blob.Attrs
	used  bool
}

func (o *object) Attrs() *blob.Attrs { a := o.attrs; return &a }

// Range returns a *bytes.Reader for an object read whole at Open, otherwise an
// *io.LimitedReader over the file (so that net/http can use sendfile).
func (o *object) Range(off, n int64) (io.Reader, error) {
	if o.used {
		return nil, errors.New("localfs: Range called twice")
	}
	o.used = true
	if off < 0 || n < 0 || off+n > o.attrs.Size {
		return nil, blob.E("range", blob.Invalid, "", "", fmt.Errorf("range %d+%d outside 0..%d", off, n, o.attrs.Size))
	}
	if o.data != nil {
		return bytes.NewReader(o.data[off : off+n]), nil
	}
	if _, err := o.file.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	return &io.LimitedReader{R: o.file, N: n}, nil
}

func (o *object) Close() error {
	if o.file == nil {
		return nil
	}
	return o.file.Close()
}

// Open implements blob.Driver. A small object is read whole with one read and its file closed
// at once; a larger one stays open for Range.
func (f *FS) Open(ctx context.Context, bucket, key string) (blob.Object, error) {
	if err := checkName("open", bucket, key); err != nil {
		return nil, err
	}
	p := f.objectPath(bucket, key)
	l := f.objLock(p)
	l.RLock()
	sf, err := openSized(p)
	if err != nil {
		l.RUnlock()
		return nil, wrap("open", bucket, key, err)
	}
	var m *meta
	var data []byte
	small := sf.size <= smallFile
	if small {
		m, data, err = readSmall(sf, sf.size)
	} else {
		m, _, err = readTrailerSized(sf, sf.size)
	}
	l.RUnlock()
	if err != nil {
		sf.Close()
		return nil, wrap("open", bucket, key, err)
	}
	if small {
		sf.Close()
		return &object{data: data, attrs: m.Attrs}, nil
	}
	return &object{file: sf.file(), attrs: m.Attrs}, nil
}

// Stat implements blob.Driver.
func (f *FS) Stat(ctx context.Context, bucket, key string) (*blob.Attrs, error) {
	o, err := f.Open(ctx, bucket, key)
	if err != nil {
		return nil, wrap("stat", bucket, key, err)
	}
	defer o.Close()
	return o.Attrs(), nil
}

// Delete implements blob.Driver.
func (f *FS) Delete(ctx context.Context, bucket, key string) error {
	if err := checkName("delete", bucket, key); err != nil {
		return err
	}
	p := f.objectPath(bucket, key)
	l := f.objLock(p)
	l.Lock()
	defer l.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return wrap("delete", bucket, key, err)
	}
	if err := f.syncDir(filepath.Dir(p)); err != nil {
		return wrap("delete", bucket, key, err)
	}
	// Prune empty directories up to the bucket directory (under mu, so no commit races).
	top := f.bucketDir(bucket)
	for d := filepath.Dir(p); d != top && strings.HasPrefix(d, top); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return nil
}

// List implements blob.Driver.
func (f *FS) List(ctx context.Context, bucket string, opts blob.ListOptions) ([]blob.Entry, error) {
	if opts.Limit <= 0 {
		return nil, blob.E("list", blob.Invalid, bucket, "", errors.New("limit must be positive"))
	}
	l := &lister{f: f, ctx: ctx, prefix: hex.EncodeToString([]byte(opts.Prefix)), after: hex.EncodeToString([]byte(opts.StartAfter)), limit: opts.Limit}
	if err := l.walk(f.bucketDir(bucket), ""); err != nil && !errors.Is(err, errDone) {
		if errors.Is(err, fs.ErrNotExist) {
			return l.out, nil
		}
		return nil, wrap("list", bucket, "", err)
	}
	return l.out, nil
}

var errDone = errors.New("done")

type lister struct {
	f             *FS
	ctx           context.Context
	prefix, after string // hex
	limit         int
	out           []blob.Entry
}

type dirent struct {
	name string // hex digits without ".o"
	file bool
}

func (l *lister) walk(dir, hexSoFar string) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		if hexSoFar != "" && errors.Is(err, fs.ErrNotExist) {
			return nil // pruned concurrently
		}
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	ents := make([]dirent, 0, len(names))
	for _, n := range names {
		if s, ok := strings.CutSuffix(n, ".o"); ok {
			ents = append(ents, dirent{s, true})
		} else {
			ents = append(ents, dirent{n, false})
		}
	}
	slices.SortFunc(ents, func(a, b dirent) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if a.file == b.file {
			return 0
		}
		if a.file {
			return -1
		}
		return 1
	})
	for _, e := range ents {
		full := hexSoFar + e.name
		// Prune: the subtree must be able to hold keys with the prefix and after StartAfter.
		if !compatible(full, l.prefix, e.file) {
			continue
		}
		if e.file {
			if full <= l.after {
				continue
			}
			if err := l.emit(filepath.Join(dir, e.name+".o")); err != nil {
				return err
			}
			if len(l.out) >= l.limit {
				return errDone
			}
			continue
		}
		// Every key under this directory starts with full; skip it if all are <= after.
		if len(l.after) >= len(full) && l.after[:len(full)] > full {
			continue
		}
		if err := l.walk(filepath.Join(dir, e.name), full); err != nil {
			return err
		}
	}
	return nil
}

// compatible reports whether a key (file) or some key under a directory with hex name full can
// start with prefix.
func compatible(full, prefix string, file bool) bool {
	if len(full) >= len(prefix) {
		return strings.HasPrefix(full, prefix)
	}
	return !file && strings.HasPrefix(prefix, full)
}

func (l *lister) emit(path string) error {
	lk := l.f.objLock(path)
	lk.RLock()
	file, err := os.Open(path)
	if err != nil {
		lk.RUnlock()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted concurrently
		}
		return err
	}
	m, _, err := readTrailer(file)
	lk.RUnlock()
	file.Close()
	if err != nil {
		return err
	}
	l.out = append(l.out, blob.Entry{Key: m.Key, Size: m.Attrs.Size, ETag: m.Attrs.ETag, ModTime: m.Attrs.ModTime})
	return nil
}

// Multipart uploads.

func (f *FS) uploadDir(bucket, id string) string {
	return filepath.Join(f.root, "u", hex.EncodeToString([]byte(bucket)), id)
}

func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// CreateUpload implements blob.Driver.
func (f *FS) CreateUpload(ctx context.Context, bucket, key string, a *blob.Attrs) (string, error) {
	if err := checkName("create-upload", bucket, key); err != nil {
		return "", err
	}
	var b [16]byte
	if _, err := io.ReadFull(f.rand, b[:]); err != nil {
		return "", wrap("create-upload", bucket, key, err)
	}
	id := hex.EncodeToString(b[:])
	m := &meta{Key: key, Upload: id}
	if a != nil {
		m.Attrs = *a
	}
	m.Attrs.Size, m.Attrs.ETag, m.Attrs.Parts = 0, "", 0
	m.Attrs.ModTime = f.now().UTC().Truncate(time.Millisecond)
	dir := f.uploadDir(bucket, id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", wrap("create-upload", bucket, key, err)
	}
	tmp, err := f.tmpFile()
	if err != nil {
		return "", wrap("create-upload", bucket, key, err)
	}
	if err := f.finish(ctx, tmp, m, filepath.Join(dir, "upload")); err != nil {
		os.RemoveAll(dir)
		return "", wrap("create-upload", bucket, key, err)
	}
	return id, nil
}

func readMeta(path string) (*meta, int64, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer file.Close()
	return readTrailer(file)
}

func (f *FS) upload(op, bucket, key, id string) (*meta, error) {
	if err := checkName(op, bucket, key); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, blob.E(op, blob.NotFound, bucket, key, errors.New("no such upload"))
	}
	m, _, err := readMeta(filepath.Join(f.uploadDir(bucket, id), "upload"))
	if err != nil {
		return nil, wrap(op, bucket, key, err)
	}
	if m.Key != key {
		return nil, blob.E(op, blob.NotFound, bucket, key, errors.New("upload is for another key"))
	}
	return m, nil
}

// GetUpload implements blob.Driver.
func (f *FS) GetUpload(ctx context.Context, bucket, key, id string) (*blob.Upload, error) {
	m, err := f.upload("get-upload", bucket, key, id)
	if err != nil {
		return nil, err
	}
	return &blob.Upload{ID: id, Key: key, Initiated: m.Attrs.ModTime, Attrs: m.Attrs}, nil
}

func partName(n int) string { return fmt.Sprintf("p%05d", n) }

// PutPart implements blob.Driver.
func (f *FS) PutPart(ctx context.Context, bucket, key, id string, n int, r io.Reader, _ int64) (*blob.Part, error) {
	if n < 1 || n > 10000 {
		return nil, blob.E("put-part", blob.Invalid, bucket, key, errors.New("part number out of range"))
	}
	if _, err := f.upload("put-part", bucket, key, id); err != nil {
		return nil, err
	}
	tmp, size, sum, err := f.writeData(r)
	if err != nil {
		return nil, wrap("put-part", bucket, key, err)
	}
	m := &meta{Key: key, Upload: id, Number: n, Sums: [][]byte{sum}}
	m.Attrs.Size, m.Attrs.ETag = size, hex.EncodeToString(sum)
	m.Attrs.ModTime = f.now().UTC().Truncate(time.Millisecond)
	dst := filepath.Join(f.uploadDir(bucket, id), partName(n))
	// The upload directory must still exist: commit's MkdirAll would resurrect an aborted one.
	if _, err := os.Stat(filepath.Dir(dst)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, wrap("put-part", bucket, key, err)
	}
	if err := f.finish(ctx, tmp, m, dst); err != nil {
		return nil, wrap("put-part", bucket, key, err)
	}
	return &blob.Part{Number: n, Size: size, ETag: m.Attrs.ETag, ModTime: m.Attrs.ModTime}, nil
}

// ListParts implements blob.Driver.
func (f *FS) ListParts(ctx context.Context, bucket, key, id string) ([]blob.Part, error) {
	if _, err := f.upload("list-parts", bucket, key, id); err != nil {
		return nil, err
	}
	dir := f.uploadDir(bucket, id)
	names, err := readDirNames(dir)
	if err != nil {
		return nil, wrap("list-parts", bucket, key, err)
	}
	var parts []blob.Part
	for _, name := range names {
		if !strings.HasPrefix(name, "p") {
			continue
		}
		n, err := strconv.Atoi(name[1:])
		if err != nil {
			continue
		}
		m, _, err := readMeta(filepath.Join(dir, name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, wrap("list-parts", bucket, key, err)
		}
		parts = append(parts, blob.Part{Number: n, Size: m.Attrs.Size, ETag: m.Attrs.ETag, ModTime: m.Attrs.ModTime})
	}
	slices.SortFunc(parts, func(a, b blob.Part) int { return a.Number - b.Number })
	return parts, nil
}

func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// CompleteUpload implements blob.Driver.
func (f *FS) CompleteUpload(ctx context.Context, bucket, key, id string, parts []int) (*blob.Attrs, error) {
	up, err := f.upload("complete-upload", bucket, key, id)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, blob.E("complete-upload", blob.Invalid, bucket, key, errors.New("no parts"))
	}
	dir := f.uploadDir(bucket, id)
	tmp, err := f.tmpFile()
	if err != nil {
		return nil, wrap("complete-upload", bucket, key, err)
	}
	fail := func(err error) (*blob.Attrs, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, wrap("complete-upload", bucket, key, err)
	}
	var size int64
	sums := make([][]byte, 0, len(parts))
	for _, n := range parts {
		pf, err := os.Open(filepath.Join(dir, partName(n)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail(blob.E("complete-upload", blob.NotFound, bucket, key, fmt.Errorf("part %d does not exist", n)))
			}
			return fail(err)
		}
		m, dataLen, err := readTrailer(pf)
		if err == nil {
			// io.Copy between files uses copy_file_range: no bytes pass through memory.
			_, err = io.Copy(tmp, io.NewSectionReader(pf, 0, dataLen))
		}
		pf.Close()
		if err != nil {
			return fail(err)
		}
		size += dataLen
		sums = append(sums, m.Sums[0])
	}
	m := &meta{Key: key, Attrs: up.Attrs}
	m.Attrs.Size, m.Attrs.ETag, m.Attrs.Parts = size, blob.MultipartETag(sums), len(parts)
	m.Attrs.ModTime = f.now().UTC().Truncate(time.Millisecond)
	if err := f.finish(ctx, tmp, m, f.objectPath(bucket, key)); err != nil {
		return nil, wrap("complete-upload", bucket, key, err)
	}
	os.RemoveAll(dir)
	out := m.Attrs
	return &out, nil
}

// AbortUpload implements blob.Driver.
func (f *FS) AbortUpload(ctx context.Context, bucket, key, id string) error {
	if _, err := f.upload("abort-upload", bucket, key, id); err != nil {
		return err
	}
	if err := os.RemoveAll(f.uploadDir(bucket, id)); err != nil {
		return wrap("abort-upload", bucket, key, err)
	}
	return nil
}

// ListUploads implements blob.Driver.
func (f *FS) ListUploads(ctx context.Context, bucket, prefix string) ([]blob.Upload, error) {
	top := filepath.Join(f.root, "u", hex.EncodeToString([]byte(bucket)))
	ids, err := readDirNames(top)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, wrap("list-uploads", bucket, "", err)
	}
	var out []blob.Upload
	for _, id := range ids {
		m, _, err := readMeta(filepath.Join(top, id, "upload"))
		if err != nil {
			continue // being created or aborted
		}
		if !strings.HasPrefix(m.Key, prefix) {
			continue
		}
		out = append(out, blob.Upload{ID: id, Key: m.Key, Initiated: m.Attrs.ModTime, Attrs: m.Attrs})
	}
	slices.SortFunc(out, func(a, b blob.Upload) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if c := a.Initiated.Compare(b.Initiated); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Attribute updates.

// redo is the record of an attribute update in progress (tmp/j-…): the object file, relative to
// the root, is to hold its first DataLen bytes followed by Tail.
type redo struct {
	Path    string `json:"p"`
	DataLen int64  `json:"d"`
	Tail    []byte `json:"t"`
	Sum     uint32 `json:"c"` // CRC-32 of Tail, so a damaged record is not replayed
}

// Update implements blob.Driver: the tail of the object file is rewritten in place (see the
// package comment), the data is not touched.
func (f *FS) Update(ctx context.Context, bucket, key string, edit func(*blob.Attrs) error) (*blob.Attrs, error) {
	if err := checkName("update", bucket, key); err != nil {
		return nil, err
	}
	p := f.objectPath(bucket, key)
	l := f.objLock(p)
	l.Lock()
	defer l.Unlock()
	file, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	defer file.Close()
	m, dataLen, err := readTrailer(file)
	if err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	a, err := blob.Edit(&m.Attrs, edit)
	if err != nil {
		return nil, err
	}
	m.Attrs = *a
	var buf bytes.Buffer
	if err := writeTrailer(&buf, m); err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	rel, err := filepath.Rel(f.root, p)
	if err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	tail := buf.Bytes()
	rec := &redo{Path: rel, DataLen: dataLen, Tail: tail, Sum: crc32.ChecksumIEEE(tail)}
	jname, err := f.writeRedo(rec)
	if err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	if err := f.apply(file, rec); err != nil {
		// The record stays: the next Open finishes the update.
		return nil, wrap("update", bucket, key, err)
	}
	if err := os.Remove(jname); err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	if err := f.syncDir(filepath.Join(f.root, "tmp")); err != nil {
		return nil, wrap("update", bucket, key, err)
	}
	out := m.Attrs
	return &out, nil
}

// writeRedo writes rec durably under tmp/ and returns its path.
func (f *FS) writeRedo(rec *redo) (string, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	jf, err := os.CreateTemp(filepath.Join(f.root, "tmp"), "j-")
	if err != nil {
		return "", err
	}
	_, err = jf.Write(data)
	if err == nil {
		err = f.sync(jf)
	}
	if cerr := jf.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = f.syncDir(filepath.Join(f.root, "tmp"))
	}
	if err != nil {
		os.Remove(jf.Name())
		return "", err
	}
	return jf.Name(), nil
}

// apply makes file hold its first rec.DataLen bytes and rec.Tail; it is idempotent.
func (f *FS) apply(file *os.File, rec *redo) error {
	if _, err := file.WriteAt(rec.Tail, rec.DataLen); err != nil {
		return err
	}
	if err := file.Truncate(rec.DataLen + int64(len(rec.Tail))); err != nil {
		return err
	}
	return f.sync(file)
}

// replay finishes the attribute updates a crash interrupted (Open, before tmp/ is cleared).
func (f *FS) replay() error {
	names, err := readDirNames(filepath.Join(f.root, "tmp"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	slices.Sort(names)
	for _, n := range names {
		if !strings.HasPrefix(n, "j-") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(f.root, "tmp", n))
		if err != nil {
			return err
		}
		rec := new(redo)
		if json.Unmarshal(data, rec) != nil || crc32.ChecksumIEEE(rec.Tail) != rec.Sum || !filepath.IsLocal(rec.Path) || rec.DataLen < 0 {
			continue // torn: the object was not touched
		}
		file, err := os.OpenFile(filepath.Join(f.root, rec.Path), os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		err = f.apply(file, rec)
		file.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
