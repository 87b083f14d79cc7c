GO ?= go
PROTO_FILES := $(wildcard proto/runnerhub/*/v1/*.proto)

.PHONY: build test generate bench fmt vet

build:
	$(GO) build -o runnerhub ./cmd/runnerhub

# The README's test command; .ci/run sets the database DSNs for it.
test:
	$(GO) test -timeout 30m ./...

# Regenerates the Go code of proto/ (needs protoc: apt-get install protobuf-compiler).
generate:
	$(GO) build -o .bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	protoc --plugin=protoc-gen-go=.bin/protoc-gen-go --go_out=. \
		--go_opt=module=code.runnerhub.dev/runnerhub $(PROTO_FILES)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
