# terraform-provider-conductorone. `make demo` and `make test` work on a fresh
# machine with a Rust toolchain and python3 (for Terraform 1.15.5).

CARGO ?= cargo
# Terraform versions the acceptance suite must run under; .ci/run requires both.
TF_ACC_REQUIRE ?= 1.15.5

.PHONY: all build test tools fmt-check deny lint demo docs package cross-check cross-acceptance bench fuzz clean

all: build

build:
	$(CARGO) build --locked --workspace

## Installs what the tests need (Terraform 1.6.6, 1.10.5, 1.15.5 and cargo-deny under .tools/).
tools:
	bash scripts/install-terraform.sh
	bash scripts/install-cargo-deny.sh

## The dependency check: licenses, bans and sources (deny.toml).
deny:
	.tools/cargo-deny-0.20.2/bin/cargo-deny --locked check licenses bans sources

fmt-check:
	$(CARGO) fmt --all -- --check

## Every test: unit, property, fuzz (a few seconds) and acceptance (real Terraform, each version),
## and beside them the other platforms' builds (Windows and macOS compile, the Linux binary static).
test: tools fmt-check deny
	TF_ACC_REQUIRE=$(TF_ACC_REQUIRE) CARGO_CMD=$(CARGO) bash scripts/test.sh

## The provider and the sandbox compile for Windows and macOS; the Linux build is static and starts in an empty root.
cross-check:
	bash scripts/cross-check.sh

## Every platform this machine builds, packaged, then run under real Terraform (qemu-user, Wine).
cross-acceptance:
	PLATFORMS="$(PLATFORMS)" PROFILE="$(PROFILE)" bash scripts/cross-acceptance.sh

lint:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## The demo: start the sandbox and `terraform apply` examples/quickstart against it.
demo: tools
	bash scripts/demo.sh

## Registry docs under docs/, from the schemas and examples/ (a test fails when stale).
docs:
	$(CARGO) run --locked -q --bin docgen

## Release archives, checksums and manifest, named as goreleaser names them: this platform's,
## or PLATFORMS="linux_amd64 windows_amd64 ..." (or all) built with scripts/cross.sh.
PLATFORMS ?=
PROFILE ?= release
package:
	PLATFORMS="$(PLATFORMS)" PROFILE="$(PROFILE)" bash scripts/package.sh

## The fuzz harness (tests/fuzz.rs) for FUZZ_SECONDS (default ten minutes), optimized.
FUZZ_SECONDS ?= 600
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(CARGO) test --release --locked --test fuzz -- --nocapture

## Benchmarks (see bench/README.md).
bench: tools
	bash bench/run.sh
	bash bench/sandbox.sh
	bash bench/segment_groups.sh
	bash bench/integrations.sh

clean:
	$(CARGO) clean
	rm -rf .tools
