package parity

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// EnvJobIndex is the variable a Kubernetes Indexed Job sets in each pod: the
// pod's completion index, 0 to completions-1 (batch/v1 Job, completionMode:
// Indexed).
const EnvJobIndex = "JOB_COMPLETION_INDEX"

// ShardFromEnv returns the shard i/n (1-based, as Config.Shard) of a process
// that the environment variable env gives the 0-based index of, n shards in
// all: index k is shard k+1. lookup reads the environment (os.LookupEnv when
// nil). A missing, non-integer or out-of-range index is an error naming env.
func ShardFromEnv(env string, n int, lookup func(string) (string, bool)) (i int, err error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if n < 1 {
		return 0, fmt.Errorf("parity: %d shards, expected >= 1", n)
	}
	v, ok := lookup(env)
	if !ok {
		return 0, fmt.Errorf("parity: %s is not set, expected the 0-based index of this process (a Kubernetes Indexed Job sets it in each pod)", env)
	}
	k, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || k < 0 || k >= n {
		return 0, fmt.Errorf("parity: %s=%q, expected an integer 0..%d (one per shard)", env, v, n-1)
	}
	return k + 1, nil
}

// ShardPath is the file a shard's output goes to: path with
// "-shard-IIIII-of-NNNNN" inserted before its extension, I the 1-based shard
// (as in "--shard i/n") and N the shard count, 5 digits at least
// (run.json → run-shard-00007-of-00064.json), so that the shards of a split
// sort in order and a glob (run-shard-*-of-00064.json) names them all.
func ShardPath(path string, i, n int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-shard-%05d-of-%05d%s", strings.TrimSuffix(path, ext), i, n, ext)
}
