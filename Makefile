# Convenience targets around the scripts; each is a thin wrapper.
.PHONY: build test sandbox install

build:
	go build -buildvcs=auto -o bsync .

test:
	scripts/test.sh

sandbox:
	scripts/sandbox.sh

install:
	scripts/install.sh
