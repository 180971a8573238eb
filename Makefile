# detparity — see README.md. Two set-up commands: `make demo` and `make test`; each installs what it needs.
GO ?= go
BIN := bin/detparity
MODEL := fixtures/model/detector.onnx
EVAL := fixtures/eval
GOTESTFLAGS ?= -count=1

REFERENCE := fixtures/model/reference_sg_coco.json
# Installed by scripts/setup.sh at the version pinned there; checks chosen in staticcheck.conf.
STATICCHECK := .deps/bin/staticcheck
FUZZTIME ?= 10s

.PHONY: setup build demo lint test test-real fuzz fixtures train bench clean

setup: .deps/setup.stamp

# Re-run setup when the scripts or the module requirements change; the scripts themselves are idempotent.
.deps/setup.stamp: scripts/setup.sh scripts/fetch_ort.sh go.mod go.sum
	bash scripts/setup.sh
	@mkdir -p .deps && touch $@

build: setup
	$(GO) build -o $(BIN) ./cmd/detparity

# The main job on the shipped fixtures: the seed's table, then the full report (open out/report/index.html).
demo: build
	./$(BIN) run --model $(MODEL) --data $(EVAL) --pipeline stretch,sg-coco --conf 0.8
	./$(BIN) report --model $(MODEL) --data $(EVAL) --pipeline stretch,sg-coco --conf 0.8 --reference $(REFERENCE) --out out/report --quiet

# go vet and staticcheck; any finding fails.
lint: setup
	$(GO) vet ./...
	$(STATICCHECK) ./...

test: lint
	FUZZTIME=$(CI_FUZZTIME) bash scripts/fuzz.sh
	$(GO) test $(GOTESTFLAGS) ./...

# The real-model suite (build tag realmodels: detect/real_test.go, detect/real_engine_test.go): third-party
# detectors and images that are not in this repository, read from DETPARITY_REAL_DATA (default: the steering
# repository's shared/real beside this checkout); see detect/testdata/real/README.md. It fails, never skips, when
# the folder is missing or a file differs from detect/testdata/real/manifest.json. About 5 minutes on 2 cores.
DETPARITY_REAL_DATA ?= $(CURDIR)/../shared/real
test-real: setup
	$(GO) vet -tags realmodels ./detect
	$(STATICCHECK) -tags realmodels ./detect
	DETPARITY_REAL_DATA=$(abspath $(DETPARITY_REAL_DATA)) $(GO) test $(GOTESTFLAGS) -tags realmodels -timeout 30m -v -run '^TestReal' ./detect

# Every fuzz target for FUZZTIME each (make fuzz FUZZTIME=5m). `make test` runs each for a
# fixed number of executions, not a time: a -fuzztime deadline can end a target with "context
# deadline exceeded" (a Go toolchain race) and fail CI for nothing; a count has no deadline.
CI_FUZZTIME ?= 2000x
fuzz: setup
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

# Regenerate the committed evaluation set (deterministic: same bytes every time).
fixtures:
	rm -rf $(EVAL)
	$(GO) run ./fixtures/scenegen -out $(EVAL) -seed 1 -n 160

# Retrain the fixture detector (about 20 minutes on 2 cores; see fixtures/model/MODEL.md).
train:
	/usr/bin/python3 scripts/train_fixture_model.py --out fixtures/model

bench: setup
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin .deps/setup.stamp
