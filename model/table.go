package model

import "fmt"

// Table is a policy given by its full table of log-probabilities, one row of V^H
// entries per prompt ID: any distribution over completions, with no parameters to
// train. It represents policies outside every trainable class, such as the
// KL-regularised optimum π_ref·exp(r/β)/Z of a reward (the oracle rows), on every
// prompt it has a row for — unlike the trie, which stays where it started on
// prompts it was not trained on.
type Table struct {
	sp   Space
	logp [][]float64
}

// NewTable returns the table policy with log π(·|x) = logp[x.ID] (rows
// normalised by the caller; nil rows are prompts the table does not cover).
func NewTable(sp Space, logp [][]float64) *Table {
	for id, row := range logp {
		if row != nil && len(row) != sp.Size() {
			panic(fmt.Sprintf("model: table row %d has %d entries, want %d", id, len(row), sp.Size()))
		}
	}
	return &Table{sp: sp, logp: logp}
}

// Space returns the completion space.
func (p *Table) Space() Space { return p.sp }

// Params is empty: a table is not trained.
func (p *Table) Params() []float64 { return nil }

// Normalised is true.
func (p *Table) Normalised() bool { return true }

// Clone returns a copy sharing the read-only rows.
func (p *Table) Clone() Policy { return &Table{sp: p.sp, logp: p.logp} }

func (p *Table) row(id int) []float64 {
	if id < 0 || id >= len(p.logp) || p.logp[id] == nil {
		panic(fmt.Sprintf("model: the table has no row for prompt ID %d", id))
	}
	return p.logp[id]
}

// Score returns log π(y|x); a table has no parameters, so grad is left unchanged.
func (p *Table) Score(x Input, y []int, grad []float64, scale float64) float64 {
	return p.row(x.ID)[p.sp.Encode(y)]
}

// Enumerate copies the prompt's row into out.
func (p *Table) Enumerate(x Input, out []float64) { copy(out[:p.sp.Size()], p.row(x.ID)) }
