package glidec

import "time"

// NodeAddress is a server's address: a host name or IP literal and a port (1..65535).
type NodeAddress struct {
	Host string
	Port int
}

// ServerCredentials authenticate the connections (AUTH / HELLO AUTH). An empty Username is the
// default user.
type ServerCredentials struct {
	Username string
	Password string
}

// ReadFrom chooses where read-only commands go.
type ReadFrom int

const (
	// Primary sends everything to primaries (the default).
	Primary ReadFrom = 0
	// PreferReplica sends read-only commands round-robin to the replicas of their slot, to the
	// primary when no replica is reachable (cluster mode).
	PreferReplica ReadFrom = 1
)

// ClusterClientConfiguration configures NewClusterClient. Zero values keep the library's
// defaults.
type ClusterClientConfiguration struct {
	// Addresses are seed nodes; any node of the cluster will do. At least one.
	Addresses   []NodeAddress
	Credentials *ServerCredentials
	// UseTLS connects with TLS, verified against the system trust store (the C library's
	// glide_config_set_tls; CA files and client certificates are not exposed here yet).
	UseTLS   bool
	ReadFrom ReadFrom
	// RequestTimeout bounds each request, and each batch without its own timeout (default 1 s).
	RequestTimeout time.Duration
	// ConnectionTimeout bounds connecting and discovering the cluster (default 2 s).
	ConnectionTimeout time.Duration
	ClientName        string
	// Protocol is the RESP version, 2 or 3 (default 3).
	Protocol int
	// InflightLimit is the most requests pending at once (default 1000); beyond it requests
	// fail with INFLIGHT_LIMIT.
	InflightLimit int
	// PubSub makes the client a subscriber (see PubSubConfig); nil: not one (Subscribe then
	// fails with INVALID_ARGUMENT).
	PubSub *PubSubConfig
}

// ClientConfiguration configures NewClient, a client of one standalone server. Zero values keep
// the library's defaults.
type ClientConfiguration struct {
	// Addresses: the server (the first address is used).
	Addresses   []NodeAddress
	Credentials *ServerCredentials
	// UseTLS connects with TLS, verified against the system trust store (the C library's
	// glide_config_set_tls; CA files and client certificates are not exposed here yet).
	UseTLS bool
	// RequestTimeout bounds each request, and each batch without its own timeout (default 1 s).
	RequestTimeout time.Duration
	// ConnectionTimeout bounds connecting (default 2 s).
	ConnectionTimeout time.Duration
	ClientName        string
	// DatabaseId is selected after connecting (default 0).
	DatabaseId int
	// Protocol is the RESP version, 2 or 3 (default 3).
	Protocol int
	// InflightLimit is the most requests pending at once (default 1000).
	InflightLimit int
	// PubSub makes the client a subscriber (see PubSubConfig; ShardedChannels are for cluster
	// mode); nil: not one.
	PubSub *PubSubConfig
}

// BatchOptions are the options of Client.ExecWithOptions.
type BatchOptions struct {
	// Timeout covers the whole exec (0: the client's RequestTimeout). Commands not answered in
	// time become TIMEOUT errors.
	Timeout time.Duration
}

// ClusterBatchOptions are the options of ClusterClient.ExecWithOptions.
type ClusterBatchOptions struct {
	// Timeout covers the whole exec (0: the client's RequestTimeout).
	Timeout time.Duration
	// RetryServerError retries commands answered TRYAGAIN, CLUSTERDOWN, MASTERDOWN or LOADING
	// (non-atomic batches only).
	RetryServerError bool
	// RetryConnectionError re-sends the unanswered commands of a lost connection after
	// reconnecting; they may then run twice (non-atomic batches only).
	RetryConnectionError bool
	// Route sends the whole batch to one node; nil routes each command by its keys.
	Route Route
}

// Route is where a whole batch goes: RandomRoute, SlotKeyRoute, SlotIdRoute or ByAddressRoute.
type Route interface{ isRoute() }

// RandomRoute sends the batch to one random primary.
type RandomRoute struct{}

// SlotKeyRoute sends the batch to the primary (or, with Replica, a replica) owning Key's slot.
type SlotKeyRoute struct {
	Key     string
	Replica bool
}

// SlotIdRoute sends the batch to the primary (or a replica) owning Slot (0..16383).
type SlotIdRoute struct {
	Slot    int
	Replica bool
}

// ByAddressRoute sends the batch to the node at Host:Port.
type ByAddressRoute struct {
	Host string
	Port int
}

func (RandomRoute) isRoute()    {}
func (SlotKeyRoute) isRoute()   {}
func (SlotIdRoute) isRoute()    {}
func (ByAddressRoute) isRoute() {}
