#!/bin/bash
# Submit the sharded sweep (gapbench-array.sbatch) and a report job that
# starts only when every array task has succeeded.
#
# Usage, from anywhere:  RESULTS=/shared/gapbench/full deploy/slurm/submit.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
export RESULTS=${RESULTS:-$PWD/results/full}
GAPBENCH=${GAPBENCH:-gapbench}
export GAPBENCH

# --parsable prints "jobid" or "jobid;cluster".
sweep=$(sbatch --parsable --export=ALL deploy/slurm/gapbench-array.sbatch)
sweep=${sweep%%;*}

# afterok on an array job waits for all of its tasks. If a task fails, this
# job never starts (scancel it, rerun the failed shards, then run the report
# command by hand).
report=$(sbatch --parsable --export=ALL \
	--job-name=gapbench-report \
	--dependency="afterok:$sweep" \
	--ntasks=1 --cpus-per-task=1 --mem=1G --time=00:30:00 \
	--output=gapbench-report-%j.out \
	--wrap "\"$GAPBENCH\" report --results \"$RESULTS\" --out reports/")
report=${report%%;*}

echo "sweep:  job array $sweep (10 shards), results in $RESULTS"
echo "report: job $report, after all shards succeed, writes reports/"
