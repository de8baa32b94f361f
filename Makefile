# The two commands of the README. Everything they need is installed by scripts/toolchain.sh
# (Node 24, pnpm, dependencies) and packages/testenv (etcd + kube-apiserver), cached outside the repo.
.PHONY: demo test lint typecheck crds bench images node-up node-down
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
# The operator, runtime and sample-backend images (deploy/docker/*.Dockerfile, buildah), imported
# into the running node if there is one; rebuilt only when their inputs change.
images:
	@scripts/toolchain.sh pnpm run images
# A real single node (root): pods run; 'make node-down' restores the host.
node-up:
	@scripts/toolchain.sh pnpm run testenv up --node
node-down:
	@scripts/toolchain.sh pnpm run testenv down --node
