package sqlstore

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
)

// unionFS is one flat directory made of the files of several: the common migrations and a
// backend's own. A name in two of them is an error, found when the union is made.
type unionFS struct {
	dirs  []fs.FS
	owner map[string]fs.FS
	names []fs.DirEntry
}

func newUnionFS(dirs ...fs.FS) (*unionFS, error) {
	u := &unionFS{dirs: dirs, owner: map[string]fs.FS{}}
	for _, d := range dirs {
		entries, err := fs.ReadDir(d, ".")
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			if _, dup := u.owner[e.Name()]; dup {
				return nil, fmt.Errorf("migration %s is both common and the backend's own", e.Name())
			}
			u.owner[e.Name()] = d
			u.names = append(u.names, e)
		}
	}
	slices.SortFunc(u.names, func(a, b fs.DirEntry) int { return cmp.Compare(a.Name(), b.Name()) })
	return u, nil
}

// Open opens a file of one of the directories, or the union's root.
func (u *unionFS) Open(name string) (fs.File, error) {
	if name == "." {
		return u.dirs[0].Open(".")
	}
	if d, ok := u.owner[name]; ok {
		return d.Open(name)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadDir lists the union's root.
func (u *unionFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.ErrUnsupported}
	}
	return slices.Clone(u.names), nil
}
