// Package webhook sends workflow_job events to webhooks: it writes each event
// into the action_hook_task outbox inside the transaction that changed the job, and
// delivery workers send them afterwards with retries, per job in order.
package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/convert"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// EventWorkflowJob is the one event Runnerhub sends.
const EventWorkflowJob = "workflow_job"

// Service manages webhooks and delivers their events.
type Service struct {
	opts   options.Webhook
	box    *secret.Box
	conv   *convert.Converter
	ids    identity.Provider
	hosts  *hostMatcher
	client *http.Client
	now    func() time.Time

	wake    chan struct{}   // a new or newly due delivery may be waiting
	sched   *scheduler      // shares the workers between webhooks and owners
	counter DeliveryCounter // may be nil

	mu      sync.Mutex
	stop    context.CancelFunc // set while workers run
	stopped chan struct{}
}

// New builds the service; o.Webhook.AllowedHostList must parse.
func New(o *options.Options, box *secret.Box, ids identity.Provider) (*Service, error) {
	hosts, err := parseHostList(o.Webhook.AllowedHostList)
	if err != nil {
		return nil, err
	}
	s := &Service{
		opts:  o.Webhook,
		box:   box,
		conv:  convert.New(o.Server.RootURL, ids),
		ids:   ids,
		hosts: hosts,
		now:   time.Now,
		wake:  make(chan struct{}, 1),
		sched: newScheduler(o.Webhook.DeliveriesPerHook, o.Webhook.OwnerDeliveries(), o.Webhook.PollInterval),
	}
	s.client = &http.Client{
		Timeout: time.Duration(o.Webhook.DeliverTimeout) * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // a proxy would connect for us, past the address checks
			DialContext:         s.dial,
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: o.Webhook.SkipTLSVerify}, //nolint:gosec // the admin's explicit choice
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4,
		},
		// A redirect could lead anywhere; the receiver must answer itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

// DeliveryCounter counts delivery attempts by outcome (the metrics.Delivery* values).
type DeliveryCounter interface {
	CountWebhookDelivery(outcome string)
}

// SetDeliveryCounter installs the counter; call it before Start.
func (s *Service) SetDeliveryCounter(c DeliveryCounter) { s.counter = c }

// signal wakes the workers; it never blocks.
func (s *Service) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// errRefusedHost marks a delivery the host list forbids: retrying cannot help.
var errRefusedHost = errors.New("refused by [webhook] ALLOWED_HOST_LIST")

// dial connects only to addresses the host list allows, checking what the
// name resolves to at connection time.
func (s *Service) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	byName := s.hosts.allowsHost(host)
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	var lastErr error
	for _, ip := range ips {
		if !byName && !s.hosts.allowsIP(ip.IP) {
			lastErr = fmt.Errorf("%w: %s resolves to %s", errRefusedHost, host, ip.IP)
			continue
		}
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.IP.String(), port))
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("%s has no address", host)
	}
	return nil, lastErr
}
