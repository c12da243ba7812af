package recipe

import (
	"fmt"
	"slices"
	"strings"
)

// Protocols: how long a preference-trained arm trains and what is recorded along
// the way. Every protocol treats every arm alike; it is part of a run's config, so
// results under different protocols have different keys.
const (
	// ProtocolRecipe is the paper's shared short recipe: every arm trains for
	// dpo.epochs. It is the zero ProtocolConfig.
	ProtocolRecipe = "recipe"
	// ProtocolTuned picks each arm's training length from one shared grid of
	// epochs by the arm's own held-out preference likelihood.
	ProtocolTuned = "tuned"
	// ProtocolFrontier trains every arm for one long run and records its path of
	// (KL(π‖π_ref), win rate, gold reward) at log-spaced steps, so that arms can
	// be compared at matched KL.
	ProtocolFrontier = "frontier"
)

// ProtocolNames lists the protocols in report order.
var ProtocolNames = []string{ProtocolRecipe, ProtocolTuned, ProtocolFrontier}

// ProtocolConfig is a run's protocol and its parameters. The zero value is the
// recipe protocol; it is omitted from a config's JSON, so recipe runs keep the
// result keys they had before protocols existed. Arms cannot set it (it is not
// in the JSON tree a diff addresses): a study sets it for every arm alike.
type ProtocolConfig struct {
	Name string `json:"name,omitempty"` // "" (recipe), tuned or frontier
	// Grid is tuned's shared grid of training lengths in epochs, increasing.
	Grid []int `json:"grid,omitempty"`
	// HeldOut is tuned's number of held-out pairs, drawn and labelled like the
	// training pairs from their own random stream.
	HeldOut int `json:"held_out,omitempty"`
	// Epochs is the length of frontier's long run.
	Epochs int `json:"epochs,omitempty"`
	// Probes is the number of log-spaced steps at which frontier evaluates the
	// policy (plus step 0), whatever the run's length.
	Probes int `json:"probes,omitempty"`
}

// The protocols' parameters, fixed for every suite and budget before any run.
var (
	// TunedGrid is the shared grid of epochs that tuned picks from; it spans the
	// recipe's 2 epochs to 32 times that.
	TunedGrid = []int{1, 2, 4, 8, 16, 32, 64}
	// TunedHeldOut is the number of held-out pairs tuned scores on: the default
	// world's number of training pairs.
	TunedHeldOut = 256
	// FrontierEpochs is the length of frontier's long run: the end of TunedGrid.
	FrontierEpochs = 64
	// FrontierProbes bounds frontier's evaluation cost: this many log-spaced
	// probes per run, whatever its length.
	FrontierProbes = 16
)

// NewProtocol returns the named protocol with its fixed parameters; "recipe"
// is the zero value.
func NewProtocol(name string) (ProtocolConfig, error) {
	switch name {
	case ProtocolRecipe:
		return ProtocolConfig{}, nil
	case ProtocolTuned:
		return ProtocolConfig{Name: ProtocolTuned, Grid: slices.Clone(TunedGrid), HeldOut: TunedHeldOut}, nil
	case ProtocolFrontier:
		return ProtocolConfig{Name: ProtocolFrontier, Epochs: FrontierEpochs, Probes: FrontierProbes}, nil
	}
	return ProtocolConfig{}, fmt.Errorf("protocol must be one of %s, got %q", strings.Join(ProtocolNames, ", "), name)
}

// Kind is the protocol's name, "recipe" for the zero value.
func (p ProtocolConfig) Kind() string {
	if p.Name == "" {
		return ProtocolRecipe
	}
	return p.Name
}

// Validate returns an error naming the first invalid protocol field and its value.
func (p ProtocolConfig) Validate() error {
	switch p.Name {
	case "":
		if len(p.Grid) > 0 || p.HeldOut != 0 || p.Epochs != 0 || p.Probes != 0 {
			return fmt.Errorf("protocol recipe takes no parameters, got %+v", p)
		}
	case ProtocolTuned:
		if len(p.Grid) == 0 {
			return fmt.Errorf("protocol.grid must list at least one number of epochs, got %v", p.Grid)
		}
		for i, e := range p.Grid {
			if e < 1 || (i > 0 && e <= p.Grid[i-1]) {
				return fmt.Errorf("protocol.grid must be increasing epochs >= 1, got %v", p.Grid)
			}
		}
		if p.HeldOut < 1 {
			return fmt.Errorf("protocol.held_out must be >= 1, got %d", p.HeldOut)
		}
		if p.Epochs != 0 || p.Probes != 0 {
			return fmt.Errorf("protocol tuned takes grid and held_out only, got epochs %d, probes %d", p.Epochs, p.Probes)
		}
	case ProtocolFrontier:
		if p.Epochs < 1 {
			return fmt.Errorf("protocol.epochs must be >= 1, got %d", p.Epochs)
		}
		if p.Probes < 1 {
			return fmt.Errorf("protocol.probes must be >= 1, got %d", p.Probes)
		}
		if len(p.Grid) > 0 || p.HeldOut != 0 {
			return fmt.Errorf("protocol frontier takes epochs and probes only, got grid %v, held_out %d", p.Grid, p.HeldOut)
		}
	default:
		return fmt.Errorf("protocol.name must be one of tuned, frontier (or empty for recipe), got %q", p.Name)
	}
	return nil
}

// WithProtocol returns c under protocol p.
func (c Config) WithProtocol(p ProtocolConfig) Config {
	c.Protocol = p
	c.Protocol.Grid = slices.Clone(p.Grid)
	return c
}

// ProtocolMatters reports whether a protocol can change this run: true for the
// preference-trained methods (dpo, online), for the reward-model arms, whose
// Best-of-N on DPO samples reads the protocol's DPO policy, and for exact RLHF
// with the local reward (the protocol's DPO policy's implicit reward); false for
// the SFT checkpoint, the oracle rows and exact RLHF with any other reward, which
// runs to convergence under every protocol. A study gives a run its protocol
// only where it matters, so the others are computed once and shared.
func (c Config) ProtocolMatters() bool {
	switch c.Method {
	case MethodSFT, MethodOracle:
		return false
	case MethodRLHF:
		return c.RLHF.Reward == LabelLocal
	}
	return true
}
