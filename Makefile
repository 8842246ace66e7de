# scx-slo build, test, demo and benchmarks. `make test` and `make demo` work on a fresh
# Debian bookworm machine: they install what they need first (setup).

CLANG      ?= clang-19
BPF_CFLAGS := -target bpf -mcpu=v3 -g -O2 -Wall -Werror -Wno-missing-declarations \
              -DBPF_NO_KFUNC_PROTOTYPES -D__TARGET_ARCH_x86 -Ibpf/vmlinux -Ibpf
BPF_OBJS   := bpf/build/scx_slo.bpf.o bpf/build/transport_test.bpf.o bpf/build/verifier_reject.bpf.o bpf/build/rqlat.bpf.o \
              bpf/build/deadline_test.bpf.o bpf/build/decision_test.bpf.o bpf/build/miss_limit_test.bpf.o \
              bpf/build/shadow.bpf.o bpf/build/ring_wake_test.bpf.o
BPF_HDRS   := bpf/scx_slo.h bpf/scx_compat.bpf.h bpf/vmlinux/vmlinux.h bpf/slo_deadline.bpf.h \
              bpf/slo_task_ctx.bpf.h bpf/slo_decision.bpf.h bpf/slo_miss_limit.bpf.h bpf/slo_log2.bpf.h bpf/slo_task_state.bpf.h \
              bpf/slo_ring_wake.bpf.h
NODE_STAMP := node_modules/.package-lock.json
# The demo's open-loop service (bench/service/slo-service.c), run inside the guest.
SERVICE_BIN := bench/build/slo-service

# The guest kernel: the release bpf/vmlinux/vmlinux.h was generated from while Debian
# has it (bpf/vm/fetch-kernel.sh falls back to the newest with sched_ext).
export SCX_VM_KERNEL_PREFER ?= 7.2.13+deb14-amd64

.PHONY: all setup build build-ts build-bpf build-service test test-native vm-test vm-test-kernels demo clean vmlinux-h \
        bench-sim-events bench-policy-decisions bench-transport bench-guest-share \
        bench-config-parse bench-delegation image image-check image-tools deploy-manifest install

all: build

# Host packages (clang, libbpf, qemu, stress-ng, a Node.js LTS, ...), then node_modules
# (installed by the Node setup-host.sh provides).
setup:
	bash .ci/setup-host.sh
	$(MAKE) --no-print-directory $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: build-bpf build-ts build-service

# The commit `scx-slo --version` and scx_slo_build_info report (unknown outside git).
SCX_SLO_COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

build-ts: $(NODE_STAMP)
	npx tsc -p tsconfig.json
	@printf '{"commit":"%s"}\n' '$(SCX_SLO_COMMIT)' > dist/build-info.json

build-bpf: $(BPF_OBJS)

build-service: $(SERVICE_BIN)

$(SERVICE_BIN): bench/service/slo-service.c
	@mkdir -p bench/build
	$(CC) -O2 -Wall -Wextra -Werror -pthread -o $@ $< -lm

bpf/build/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p bpf/build
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bpf/build/%.bpf.o: bpf/test/%.bpf.c $(BPF_HDRS)
	@mkdir -p bpf/build
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Regenerate the checked-in vmlinux.h from the guest kernel's BTF.
vmlinux-h:
	bash bpf/vm/make-vmlinux-h.sh bpf/vmlinux/vmlinux.h

# Everything: host setup, build, the native suite, then the sched_ext guest suite, with
# one closing line counting both.
test: setup
	$(MAKE) build
	bash .ci/test-all.sh

test-native:
	npx ava

vm-test:
	bash bpf/vm/run-guest.sh --timeout 1200 $(CURDIR)/agent/test/vm/guest-suite.sh

# The guest suite's subset on the oldest and the newest other Debian kernels with sched_ext.
vm-test-kernels:
	bash agent/test/vm/other-kernels.sh

# The main job: the noisy-neighbour head-to-head (in the sched_ext guest when the host
# has no sched_ext).
demo: setup
	$(MAKE) build
	bash bench/demo.sh

bench-sim-events: build
	node dist/bench/sim-events.js

bench-policy-decisions: build
	node dist/bench/policy-decisions.js

bench-transport: build
	node dist/bench/transport.js

bench-config-parse: build
	node dist/bench/config-parse.js

bench-delegation: build
	node dist/bench/delegation.js

bench-guest-share: build
	bash bench/guest-share.sh

# deploy/scx-slo-daemonset.yaml: deploy/kustomization.yaml rendered into one file.
deploy-manifest: build-ts
	node dist/deploy/single-file-manifest.js

# The agent image, built with podman from Debian packages (no image registry needed):
# deploy/image/build.sh; `make image-check` runs it with the DaemonSet's security context
# in monitoring-only mode and checks /metrics (deploy/image/run-check.sh).
IMAGE ?= localhost/scx-slo:$(shell node -p 'require("./package.json").version')

image-tools:
	@command -v podman >/dev/null && command -v runc >/dev/null && command -v mmdebstrap >/dev/null || \
	  { echo "installing podman, runc, mmdebstrap"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc mmdebstrap uidmap; }

image: image-tools
	bash deploy/image/build.sh $(IMAGE)

image-check: image build-ts
	bash deploy/image/run-check.sh $(IMAGE)

# The agent for hosts without Kubernetes, run by systemd (deploy/systemd/): after
# `make build`; DESTDIR, PREFIX (/usr/local), SYSCONFDIR (/etc), UNITDIR as usual.
install:
	bash deploy/systemd/install.sh

clean:
	rm -rf dist bpf/build bench/build
