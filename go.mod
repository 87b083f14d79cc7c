module code.runnerhub.dev/runnerhub

go 1.26.8

require (
	code.gitea.io/actions-proto-go v0.4.1
	github.com/go-sql-driver/mysql v1.10.1
	github.com/google/uuid v1.6.0
	github.com/lib/pq v1.12.3
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/stretchr/testify v1.12.1
	gopkg.in/ini.v1 v1.67.3
	xorm.io/xorm v1.4.3
)

require (
	connectrpc.com/connect v1.18.1 // indirect
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/goccy/go-json v0.10.5 // indirect
	github.com/golang/snappy v0.0.4 // indirect
	github.com/syndtr/goleveldb v1.0.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	xorm.io/builder v0.3.13 // indirect
)

tool google.golang.org/protobuf/cmd/protoc-gen-go
