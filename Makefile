# The two commands of the README. Everything they need is installed by scripts/toolchain.sh
# (Node 24, pnpm, dependencies) and packages/testenv (etcd + kube-apiserver), cached outside the repo.
.PHONY: demo test lint typecheck crds bench
demo:
	@scripts/toolchain.sh pnpm run demo
test:
	@scripts/toolchain.sh pnpm run test:all
lint:
	@scripts/toolchain.sh pnpm run lint
typecheck:
	@scripts/toolchain.sh pnpm run typecheck
crds:
	@scripts/toolchain.sh pnpm run generate:crds
bench:
	@scripts/toolchain.sh pnpm run bench
