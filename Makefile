# The two commands of the README:
#   make run    runs Sluice on its embedded defaults (127.0.0.1:9876, ./sluice-data)
#   make test   runs the whole test suite (what CI runs)
.PHONY: run test build bench

run:
	go run ./cmd/sluice serve

test:
	./scripts/test.sh

build:
	CGO_ENABLED=0 go build -o bin/sluice ./cmd/sluice

bench:
	go test -run '^$$' -bench . -benchmem ./...
