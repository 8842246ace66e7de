# scx-slo build, test, demo and benchmarks. `make test` and `make demo` work on a fresh
# Debian bookworm machine: they install what they need first (setup).

CLANG      ?= clang-19
BPF_CFLAGS := -target bpf -mcpu=v3 -g -O2 -Wall -Werror -Wno-missing-declarations \
              -DBPF_NO_KFUNC_PROTOTYPES -D__TARGET_ARCH_x86 -Ibpf/vmlinux -Ibpf
BPF_OBJS   := bpf/build/scx_slo.bpf.o bpf/build/transport_test.bpf.o bpf/build/verifier_reject.bpf.o bpf/build/rqlat.bpf.o bpf/build/shadow.bpf.o
BPF_HDRS   := bpf/scx_slo.h bpf/scx_compat.bpf.h bpf/slo_deadline.bpf.h bpf/vmlinux/vmlinux.h
NODE_STAMP := node_modules/.package-lock.json

# The guest kernel: the release bpf/vmlinux/vmlinux.h was generated from while Debian
# has it (bpf/vm/fetch-kernel.sh falls back to the newest with sched_ext).
export SCX_VM_KERNEL_PREFER ?= 7.2.13+deb14-amd64

.PHONY: all setup build build-ts build-bpf test test-native vm-test demo clean vmlinux-h \
        bench-sim-events bench-policy-decisions bench-transport bench-guest-share bench-delegation

all: build

# Host packages (clang, libbpf, qemu, stress-ng, ...) and node_modules.
setup: $(NODE_STAMP)
	bash .ci/setup-host.sh

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: build-bpf build-ts

build-ts: $(NODE_STAMP)
	npx tsc -p tsconfig.json

build-bpf: $(BPF_OBJS)

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

bench-delegation: build
	node dist/bench/delegation.js

bench-guest-share: build
	bash bench/guest-share.sh

clean:
	rm -rf dist bpf/build
