package files

import "encoding/json"

// The index is written last and counts against the collector's cap like the files it lists.
// Room for it is kept from the start: before each file is copied, what the records written so far
// take plus an estimate for every entry still to come is held back from the room the file may
// use. An index that could not fit even alone lists only the first entries, and says so.

// indexSlack covers the JSON array's brackets, the record that says the index was bounded, and
// redacted paths that come out longer than they went in.
const indexSlack = 1 << 10

// entryEstimate is a generous size of one entry's record in index.json: its path twice (source
// and bundle path), every other field at its longest (about 350 bytes with a short path), and a
// reason or a short symlink target. A record that comes out longer is counted as it is from then on.
func entryEstimate(path string) int64 { return int64(2*len(path)) + 448 }

// recordSize is the size of r in index.json (json.MarshalIndent with two spaces).
func recordSize(r Record) int64 {
	b, err := json.MarshalIndent(r, "  ", "  ")
	if err != nil {
		return 1 << 10
	}
	return int64(len(b)) + 4 // "  " before, ",\n" after
}

// indexPlan keeps count of the room index.json needs.
type indexPlan struct {
	est     []int64 // estimated record size of each planned entry
	listed  int     // the planned entries that fit in the index; the rest are neither copied nor listed
	cap     int64   // the index's bound
	written int64   // size of the records made so far
	pending int64   // estimated size of the records still to come
}

func newIndexPlan(plan []entry, cap int64) *indexPlan {
	ix := &indexPlan{est: make([]int64, len(plan)), listed: len(plan), cap: cap}
	room := cap - indexSlack - cap/16
	for i, e := range plan {
		if e.rec != nil {
			ix.est[i] = recordSize(*e.rec)
		} else {
			ix.est[i] = entryEstimate(e.path)
		}
		if ix.pending+ix.est[i] > room {
			ix.listed = i
			break
		}
		ix.pending += ix.est[i]
	}
	ix.est = ix.est[:ix.listed]
	return ix
}

// reserve is the room to hold back for the index before copying an entry whose record is
// estimated at est (already taken off pending).
func (ix *indexPlan) reserve(est int64) int64 {
	n := ix.written + ix.pending + est
	return n + n/16 + indexSlack
}

func (ix *indexPlan) add(recs *[]Record, r Record) {
	*recs = append(*recs, r)
	ix.written += recordSize(r)
}

// source names an entry in the record that says the index was bounded.
func (e entry) source() string {
	if e.rec != nil {
		return e.rec.Source
	}
	return e.path
}
