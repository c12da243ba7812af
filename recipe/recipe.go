// Package recipe is the complete, resolved configuration of one gapbench run: the
// world, the policy class, and how it is trained (SFT, reward model, DPO, online).
// A Config is plain data with every default in one place (Default), JSON field
// names that arm diffs address by dotted path ("dpo.beta", "world.h"), and a
// Validate that names the field and the bad value.
//
// # Bounds
//
// Every field that sizes memory or time has an upper bound, checked by Validate
// before anything runs (gapbench exits with status 2, naming the field, the value
// and the bound). The bounds are chosen so that one run fits in about 3 GiB and a
// few hours on the machine gapbench is sized for (24 GiB, 2 cores); the defaults
// sit far below them. Bounds lists them; this table is checked against it:
//
//	field                                       max  what it sizes
//	world.v                                     256  completion vocabulary (v^h <= 2^18 completions are enumerated; world.h <= 6)
//	world.prompt_vocab                         4096  prompt vocabulary: input width of every network
//	world.prompt_len                           1024  tokens drawn per prompt
//	world.topics                               1024  latent topics
//	world.train_prompts                        4096  training prompts
//	world.val_prompts                          4096  validation prompts (every metric enumerates them)
//	world.aug_prompts                          4096  augmentation prompts
//	(train + val + aug prompts) × v^h      67108864  entries of the enumerated gold-reward table (512 MiB)
//	world.teacher_width                        4096  teacher network width
//	world.pairs                             1048576  preference pairs
//	world.demos                                1024  demonstrations per training prompt
//	world.train_prompts × world.demos       1048576  SFT demonstrations
//	policy.width                               2048  policy (and SFT network) width
//	rm.width_mult                                16  reward model width as a multiple of the policy's
//	policy.width × rm.width_mult               2048  reward model width
//	sft.epochs                                 1000  SFT passes over the demonstrations
//	rm.epochs                                 10000  reward model passes over its pairs
//	dpo.epochs                                 1000  DPO passes (offline and online)
//	sft.batch                                 65536  SFT minibatch
//	rm.batch                                  65536  reward model minibatch
//	dpo.batch                                 65536  DPO minibatch
//	rm.data_mult                                 64  reward model data as a multiple of the pairs
//	dpo.kl_samples                              256  on-policy samples per item for the KL term
//	online.k                                   1024  samples per online pair slot
//	rlhf.max_steps                           100000  exact-RLHF iterations at β (time)
//	rlhf.anneal                                  20  exact-RLHF β-continuation stages (time)
//	rlhf.warm_steps                          100000  exact-RLHF likelihood warm-start iterations (time)
//	eval.best_of_n entries                     1024  samples per Best-of-N draw
//	len(eval.best_of_n)                          32  Best-of-N values evaluated
//	epochs × examples of a stage          134217728  examples one training stage processes (time)
//	pair slots × online.k                 134217728  completions online DPO samples and labels (time)
//
// A sweep has bounds of its own, checked by package runner before any run starts:
// at most runner.MaxRuns distinct runs (50,000; the full study is 1,220), and an
// estimated peak memory no larger than the machine's.
//
// It is not for running a config (package runner) or naming arms (package arms).
package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gapbench/datasets"
	"gapbench/trainer"
)

// Methods a run can use.
const (
	MethodSFT    = "sft"    // the SFT checkpoint itself
	MethodDPO    = "dpo"    // offline DPO on the preference data
	MethodOnline = "online" // online DPO: sample, label with a labeller, same DPO loss
	MethodRM     = "rm"     // train a reward model only and evaluate it (H5, H6)
	MethodRLHF   = "rlhf"   // exact RLHF: the reverse-KL projection of π_ref·exp(r/β) onto the policy class
	MethodOracle = "oracle" // π_ref·exp(r/β)/Z itself, in the unrestricted class: what the RLHF arms aim at
)

// Policy classes.
const (
	ClassMLP  = "mlp"  // autoregressive embedding-sum ReLU network
	ClassTrie = "trie" // a free logit per prefix node per prompt
	ClassTilt = "tilt" // π ∝ π_SFT·exp(f), f in the reward model class
)

// Reward model kinds.
const (
	RMBackbone = "backbone" // SFT network of its own width + scalar head
	RMLinear   = "linear"   // prompt-bag × token-count bilinear model
	RMLocal    = "local"    // β·log π_φ of a policy-class network, trained by BT
)

// Online labellers.
const (
	LabelRM    = "rm"    // the global reward model trained on the preference data
	LabelLocal = "local" // the policy's own implicit reward β·log(π_start/π_ref) — no new information
	LabelGold  = "gold"  // the gold judge (an oracle: adds information)
)

// Preference data sources.
const (
	DataWorld  = "world"  // the world's pairs, drawn from μ (world.pair_dist)
	DataNarrow = "narrow" // pairs of SFT samples labelled by the gold judge
	DataFile   = "file"   // pairs read from a JSONL file (data.file)
)

// Config is one run's full configuration.
type Config struct {
	World  datasets.Config `json:"world"`
	Policy PolicyConfig    `json:"policy"`
	Data   DataConfig      `json:"data"`
	SFT    SFTConfig       `json:"sft"`
	RM     RMConfig        `json:"rm"`
	DPO    DPOConfig       `json:"dpo"`
	Method string          `json:"method"` // sft, dpo, online, rm, rlhf, oracle
	Online OnlineConfig    `json:"online"`
	RLHF   RLHFConfig      `json:"rlhf"`
	Eval   EvalConfig      `json:"eval"`
	// Protocol is how long preference training runs (recipe, tuned, frontier);
	// omitted when it is the recipe, so recipe runs keep their keys.
	Protocol ProtocolConfig `json:"protocol,omitzero"`
}

// PolicyConfig is the policy class.
type PolicyConfig struct {
	Class string  `json:"class"`    // mlp, trie, tilt
	Width int     `json:"width"`    // hidden width of mlp (and of the SFT network tilt starts from)
	Init  float64 `json:"init_out"` // logit scale of the mlp's random initialisation
	Tilt  string  `json:"tilt_rm"`  // reward class of the tilt: linear or backbone
}

// DataConfig selects the preference data that both the policy and the RM see.
type DataConfig struct {
	Source   string `json:"source"`              // world, narrow or file
	File     string `json:"file,omitempty"`      // JSONL pairs file, with source file
	FileHash string `json:"file_hash,omitempty"` // hash of the file's content, so results follow the content
}

// SFTConfig trains the SFT checkpoint on the teacher's demonstrations.
type SFTConfig struct {
	Epochs int     `json:"epochs"`
	LR     float64 `json:"lr"`
	Batch  int     `json:"batch"`
}

// RMConfig trains the global (or local) reward model by Bradley–Terry.
type RMConfig struct {
	Kind      string  `json:"kind"`       // backbone, linear, local
	WidthMult float64 `json:"width_mult"` // backbone width as a multiple of the policy's
	Epochs    int     `json:"epochs"`
	LR        float64 `json:"lr"`
	Batch     int     `json:"batch"`
	DataMult  int     `json:"data_mult"` // RM trains on data_mult × the pairs (extra pairs from the same μ)
}

// DPOConfig is the preference loss shared by offline and online arms.
type DPOConfig struct {
	Loss      string  `json:"loss"` // sigmoid, ipo, hinge
	Beta      float64 `json:"beta"`
	LR        float64 `json:"lr"`
	Batch     int     `json:"batch"`
	Epochs    int     `json:"epochs"`
	SFTWeight float64 `json:"sft_weight"` // weight of NLL on chosen (dpo-sft-reg)
	KLWeight  float64 `json:"kl_weight"`  // weight of reverse KL on on-policy samples (hypo)
	KLSamples int     `json:"kl_samples"` // unlabelled samples per batch item for the KL term
}

// OnlineConfig is online DPO's sampling and labelling.
type OnlineConfig struct {
	Start       string  `json:"start"`       // sft or dpo: the checkpoint sampled from, started from, and π_ref
	Labeller    string  `json:"labeller"`    // rm, local, gold
	K           int     `json:"k"`           // samples per pair slot (best vs worst)
	Temperature float64 `json:"temperature"` // sampling temperature
	Rounds      int     `json:"rounds"`      // 1 = one batch round (paper); > 1 iterative
	PromptAug   bool    `json:"prompt_aug"`  // also make pairs on the augmentation prompts
}

// RLHFConfig is exact RLHF (method rlhf) and the oracle (method oracle). Exact
// RLHF minimises Σ_x KL(π_θ(·|x) ‖ π_ref(·|x)·exp(r(x,·)/β)/Z_x) over the policy
// class, with β = dpo.beta and π_ref the start policy, on the RL prompts: the
// training prompts, plus the augmentation prompts when online.prompt_aug. The
// objective and its gradient are computed exactly by enumeration and minimised
// (for the mlp, from a likelihood warm start, then L-BFGS preconditioned by the
// Fisher diagonal; natural gradient for the trie and the linear tilt) until ‖∇‖∞ < grad_tol or the objective falls by less
// than rel_tol of itself or by less than abs_tol nats over 10 iterations, for
// at most max_steps iterations (see trainer.MinimiseExact).
type RLHFConfig struct {
	// Reward is the labeller r: rm (the reward model of the rm section: backbone
	// at rm.width_mult, linear or local), local (the offline DPO policy's implicit
	// reward β·log π_dpo/π_ref) or gold (the gold judge's Bradley–Terry reward
	// gold/world.tau).
	Reward   string  `json:"reward"`
	MaxSteps int     `json:"max_steps"` // cap on the reverse-KL iterations at β (each earlier anneal stage: a seventh of it)
	GradTol  float64 `json:"grad_tol"`  // convergence: the largest gradient component of the mean KL below this
	RelTol   float64 `json:"rel_tol"`   // or: the mean KL fell by less than rel_tol of itself over the last 10 iterations
	// AbsTol is the third criterion: the mean KL fell by less than abs_tol nats
	// over the last 10 iterations. Without it a fit that converges linearly to
	// a small KL (the linear RM's target: about 1.3% of the remaining gap per
	// iteration) never meets rel_tol and runs to max_steps. The default, 1e-3,
	// was set from convergence measurements, before any arm was compared: at a
	// geometric rate q per 10 iterations (q ≈ 0.88 measured for the linear RM)
	// what remains of the KL's decrease is about abs_tol·q/(1 − q) ≈ 0.007
	// nats, and in the quick world's exact-RLHF fits (7 arms × seeds 1–3) the
	// validation win rate at the stop was within 0.6 points, and kl_ref within
	// 0.06 nats, of their values when the same fits ran on to the step cap with
	// abs_tol = 0 (1e-4: within 0.33 points, for 21% more evaluations).
	AbsTol float64 `json:"abs_tol"`
	// Anneal is the number of β-continuation stages: solve first at
	// β·2^anneal, then halve β, warm-starting each stage from the last, down to
	// β (0: solve at β directly); stages before the last stop at a seventh
	// of max_steps. The objective is the same; a far, peaked target reached
	// through a path of nearer ones avoids saturating the softmax where the
	// target has mass. Up to gapbench-7 the default was 6 (first stage at 64β,
	// close to π_ref), set from the objective reached: in the quick world
	// (seeds 1–2) L-BFGS at β directly from π_ref stalled at KL 34–50 nats to
	// the backbone RM's target and 2.7–7 nats to the gold and linear ones; with
	// 6 stages it reached 0.3–0.8 and 0.004–0.014 nats. Since gapbench-8 the
	// default is 0: the likelihood warm start (WarmSteps) lands nearer, at less
	// than half the cost.
	Anneal int `json:"anneal"`
	// WarmSteps caps the likelihood warm start: before the reverse-KL
	// stages, the forward KL (1/N) Σ_x KL(p*_x ‖ π_θ(·|x)) to the first
	// stage's targets (maximum likelihood on the exact target distribution,
	// over the prefixes of target mass 1e-10 or more) is minimised by L-BFGS
	// for at most warm_steps iterations, from the start policy, to the same
	// criteria (0: no warm start; the mlp class only: the trie's and the
	// linear tilt's natural gradient need none, and a tilt with
	// policy.tilt_rm backbone, which runs L-BFGS, has none: give it anneal
	// stages instead). It is where the fit starts: its
	// iterations are the metric warm_steps, not in steps or on the loss curve
	// (since gapbench-9). The default, 60, was
	// set from the objective reached, the reverse KL at β, before any arm was
	// compared (gapbench-8): over the quick world's exact-RLHF fits rlhf-rm,
	// rlhf-linear, rlhf-local, rlhf-rm-w0.25, rlhf-rm-w4, rlhf-rm@n4096,
	// rlhf-linear@n4096 and rlhf-rm@n64 (seeds 1–3, 24 fits), gapbench-7's
	// β-continuation (anneal 6, stages of max_steps/7) summed to 9.74 nats
	// for 7,041 evaluations; with anneal 0 and a warm start of 30 iterations to
	// 2.52 nats for 3,125; 45: 0.27 for 2,906; 60: 0.105 for 2,856; 80: 0.077
	// for 3,099; 100: 0.062 for 3,375. rlhf-rm@n4096 went from 3.66, 3.58 and
	// 1.92 nats to 0.0016, 0.015 and 0.006. Preconditioning the warm start by
	// the Fisher diagonal, as the reverse-KL stages are, did not help (60
	// iterations: 0.108 nats for 3,040 evaluations).
	WarmSteps int `json:"warm_steps"`
}

// EvalConfig sets evaluation-only settings; it changes no training.
type EvalConfig struct {
	BestOfN []int   `json:"best_of_n"` // N values for Best-of-N (method rm and dpo)
	Beta    float64 `json:"beta"`      // β of the regularised optimum π*_β that subopt measures against
}

// Default is the base configuration every suite and arm starts from.
func Default() Config {
	return Config{
		World:  datasets.DefaultConfig(),
		Policy: PolicyConfig{Class: ClassMLP, Width: 64, Init: 1, Tilt: RMLinear},
		Data:   DataConfig{Source: DataWorld},
		SFT:    SFTConfig{Epochs: 10, LR: 1e-2, Batch: 64},
		RM:     RMConfig{Kind: RMBackbone, WidthMult: 1, Epochs: 100, LR: 1e-2, Batch: 32, DataMult: 1},
		DPO:    DPOConfig{Loss: trainer.LossSigmoid, Beta: 0.1, LR: 3e-3, Batch: 32, Epochs: 2, KLSamples: 1},
		Method: MethodDPO,
		Online: OnlineConfig{Start: "sft", Labeller: LabelRM, K: 8, Temperature: 1, Rounds: 1},
		RLHF:   RLHFConfig{Reward: LabelRM, MaxSteps: 300, GradTol: 1e-6, RelTol: 1e-3, AbsTol: 1e-3, WarmSteps: 60},
		Eval:   EvalConfig{BestOfN: []int{1, 2, 5, 10, 25}, Beta: 0.1},
	}
}

// RMWidth is the backbone reward model's hidden width.
func (c Config) RMWidth() int { return max(1, int(math.Round(c.RM.WidthMult*float64(c.Policy.Width)))) }

// Validate returns an error naming the first invalid field and its value.
func (c Config) Validate() error {
	if err := c.World.Validate(); err != nil {
		return err
	}
	type rule struct {
		ok    bool
		field string
		val   any
		want  string
	}
	pos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	nonneg := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	rules := []rule{
		{oneOf(c.Method, MethodSFT, MethodDPO, MethodOnline, MethodRM, MethodRLHF, MethodOracle), "method", c.Method, "one of sft, dpo, online, rm, rlhf, oracle"},
		{oneOf(c.Policy.Class, ClassMLP, ClassTrie, ClassTilt), "policy.class", c.Policy.Class, "one of mlp, trie, tilt"},
		{c.Policy.Width >= 1, "policy.width", c.Policy.Width, ">= 1"},
		{pos(c.Policy.Init), "policy.init_out", c.Policy.Init, "> 0"},
		{oneOf(c.Policy.Tilt, RMLinear, RMBackbone), "policy.tilt_rm", c.Policy.Tilt, "linear or backbone"},
		{oneOf(c.Data.Source, DataWorld, DataNarrow, DataFile), "data.source", c.Data.Source, "world, narrow or file"},
		{(c.Data.Source == DataFile) == (c.Data.File != ""), "data.file", c.Data.File, "set exactly when data.source is file"},
		{(c.Data.Source == DataFile) == (c.Data.FileHash != ""), "data.file_hash", c.Data.FileHash, "the hash of data.file's content (gapbench run --pairs sets it), exactly when data.source is file"},
		{c.SFT.Epochs >= 0, "sft.epochs", c.SFT.Epochs, ">= 0"},
		{pos(c.SFT.LR), "sft.lr", c.SFT.LR, "> 0"},
		{c.SFT.Batch >= 1, "sft.batch", c.SFT.Batch, ">= 1"},
		{oneOf(c.RM.Kind, RMBackbone, RMLinear, RMLocal), "rm.kind", c.RM.Kind, "one of backbone, linear, local"},
		{pos(c.RM.WidthMult), "rm.width_mult", c.RM.WidthMult, "> 0"},
		{c.RM.Epochs >= 0, "rm.epochs", c.RM.Epochs, ">= 0"},
		{pos(c.RM.LR), "rm.lr", c.RM.LR, "> 0"},
		{c.RM.Batch >= 1, "rm.batch", c.RM.Batch, ">= 1"},
		{c.RM.DataMult >= 1, "rm.data_mult", c.RM.DataMult, ">= 1"},
		{oneOf(c.DPO.Loss, trainer.DPOLosses...), "dpo.loss", c.DPO.Loss, "one of sigmoid, ipo, hinge"},
		{pos(c.DPO.Beta), "dpo.beta", c.DPO.Beta, "> 0"},
		{pos(c.DPO.LR), "dpo.lr", c.DPO.LR, "> 0"},
		{c.DPO.Batch >= 1, "dpo.batch", c.DPO.Batch, ">= 1"},
		{c.DPO.Epochs >= 0, "dpo.epochs", c.DPO.Epochs, ">= 0"},
		{nonneg(c.DPO.SFTWeight), "dpo.sft_weight", c.DPO.SFTWeight, ">= 0"},
		{nonneg(c.DPO.KLWeight), "dpo.kl_weight", c.DPO.KLWeight, ">= 0"},
		{c.DPO.KLSamples >= 1, "dpo.kl_samples", c.DPO.KLSamples, ">= 1"},
		{oneOf(c.Online.Start, "sft", "dpo"), "online.start", c.Online.Start, "sft or dpo"},
		{oneOf(c.Online.Labeller, LabelRM, LabelLocal, LabelGold), "online.labeller", c.Online.Labeller, "one of rm, local, gold"},
		{c.Online.K >= 2, "online.k", c.Online.K, ">= 2"},
		{pos(c.Online.Temperature), "online.temperature", c.Online.Temperature, "> 0"},
		{c.Online.Rounds >= 1 && c.Online.Rounds <= c.World.Pairs, "online.rounds", c.Online.Rounds, "in [1, world.pairs]"},
		{oneOf(c.RLHF.Reward, LabelRM, LabelLocal, LabelGold), "rlhf.reward", c.RLHF.Reward, "one of rm, local, gold"},
		{c.RLHF.MaxSteps >= 1, "rlhf.max_steps", c.RLHF.MaxSteps, ">= 1"},
		{pos(c.RLHF.GradTol) && c.RLHF.GradTol < 1, "rlhf.grad_tol", c.RLHF.GradTol, "in (0, 1)"},
		{c.RLHF.RelTol >= 0 && c.RLHF.RelTol < 1, "rlhf.rel_tol", c.RLHF.RelTol, "in [0, 1)"},
		{c.RLHF.AbsTol >= 0 && c.RLHF.AbsTol < 1, "rlhf.abs_tol", c.RLHF.AbsTol, "in [0, 1)"},
		{c.RLHF.Anneal >= 0, "rlhf.anneal", c.RLHF.Anneal, ">= 0"},
		{c.RLHF.WarmSteps >= 0, "rlhf.warm_steps", c.RLHF.WarmSteps, ">= 0"},
		{pos(c.Eval.Beta), "eval.beta", c.Eval.Beta, "> 0"},
	}
	for _, r := range rules {
		if !r.ok {
			return fmt.Errorf("%s must be %s, got %v", r.field, r.want, quote(r.val))
		}
	}
	if err := c.checkBounds(); err != nil {
		return err
	}
	for _, n := range c.Eval.BestOfN {
		if n < 1 {
			return fmt.Errorf("eval.best_of_n entries must be >= 1, got %d", n)
		}
	}
	if err := c.Protocol.Validate(); err != nil {
		return err
	}
	if c.Policy.Class == ClassTilt && (c.DPO.SFTWeight > 0 || c.DPO.KLWeight > 0) {
		return fmt.Errorf("policy.class %q cannot use dpo.sft_weight or dpo.kl_weight (its log-normaliser is not tracked)", c.Policy.Class)
	}
	return nil
}

func quote(v any) any {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return v
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Diff is a set of changes to a Config, by dotted JSON path ("dpo.epochs") to a
// JSON value. It is how arms, suites and budgets say what they change.
type Diff map[string]any

// Keys returns the diff's paths in sorted order.
func (d Diff) Keys() []string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Apply returns c with the diff applied. Unknown paths and values of the wrong
// type are errors that name the path and the value.
func (c Config) Apply(d Diff) (Config, error) {
	if len(d) == 0 {
		return c, nil
	}
	tree, err := toTree(c)
	if err != nil {
		return c, err
	}
	var added []string // leaves absent from the tree: omitted zero values, or unknown
	for _, path := range d.Keys() {
		if err := checkFinite(path, d[path]); err != nil {
			return c, err
		}
		isNew, err := setPath(tree, path, d[path])
		if err != nil {
			return c, err
		}
		if isNew {
			added = append(added, path)
		}
	}
	b, err := json.Marshal(tree)
	if err != nil {
		return c, err
	}
	var out Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		if strings.Contains(err.Error(), "unknown field") {
			for _, p := range added {
				if strings.Contains(err.Error(), fmt.Sprintf("%q", p[strings.LastIndex(p, ".")+1:])) {
					return c, fmt.Errorf("unknown field %q", p)
				}
			}
		}
		return c, typeError(err, d)
	}
	return out, nil
}

func toTree(c Config) (map[string]any, error) {
	b, err := json.Marshal(plainConfig(c))
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err = dec.Decode(&tree)
	return tree, err
}

// setPath sets a leaf of the tree by dotted path. A missing last segment is set
// too (fields tagged omitempty are absent when zero) and reported as new, so
// that decoding can tell an omitted field from an unknown one.
func setPath(tree map[string]any, path string, v any) (isNew bool, err error) {
	parts := strings.Split(path, ".")
	node := tree
	for i, p := range parts {
		child, ok := node[p]
		last := i == len(parts)-1
		if !ok && !last {
			return false, fmt.Errorf("unknown field %q (in %q)", strings.Join(parts[:i+1], "."), path)
		}
		if last {
			if _, isObj := child.(map[string]any); isObj {
				return false, fmt.Errorf("field %q is a section; set its fields one by one", path)
			}
			if !ok {
				for k := range node {
					if strings.EqualFold(k, p) {
						return false, fmt.Errorf("unknown field %q (field names are case-sensitive: did you mean %q?)",
							path, strings.Join(append(parts[:i:i], k), "."))
					}
				}
			}
			node[p] = v
			return !ok, nil
		}
		next, ok := child.(map[string]any)
		if !ok {
			return false, fmt.Errorf("unknown field %q: %q is not a section", path, strings.Join(parts[:i+1], "."))
		}
		node = next
	}
	return false, nil
}

// checkFinite refuses NaN and infinite numbers (YAML's .nan and .inf), which no
// field can hold, naming the field.
func checkFinite(path string, v any) error {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("field %q: %v is not a finite number", path, x)
		}
	case float32:
		return checkFinite(path, float64(x))
	case []any:
		for _, e := range x {
			if err := checkFinite(path, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func typeError(err error, d Diff) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := te.Field
		if s, ok := d[path].(string); ok && te.Value == "string" {
			// YAML reads a number beyond float64's range, such as 1e309, as a string.
			if _, perr := strconv.ParseFloat(s, 64); errors.Is(perr, strconv.ErrRange) {
				return fmt.Errorf("field %q: number %s is out of the range of a float64 (about ±1.8e308)", path, s)
			}
		}
		return fmt.Errorf("field %q: value %v is a %s, want a %s", path, quote(d[path]), te.Value, te.Type)
	}
	return err
}

// Flatten returns every leaf of c by dotted path, for comparing configs.
func (c Config) Flatten() map[string]string {
	tree, err := toTree(c)
	if err != nil {
		panic("recipe: " + err.Error())
	}
	out := map[string]string{}
	var walk func(prefix string, n any)
	walk = func(prefix string, n any) {
		if m, ok := n.(map[string]any); ok {
			for k, v := range m {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, v)
			}
			return
		}
		b, _ := json.Marshal(n)
		out[prefix] = string(b)
	}
	walk("", tree)
	return out
}

// DiffPaths returns the sorted paths whose values differ between a and b.
func DiffPaths(a, b Config) []string {
	fa, fb := a.Flatten(), b.Flatten()
	var out []string
	for k, v := range fa {
		if w, ok := fb[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
