package webhook_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"masspay"
	"masspay/webhook"
)

// dnsServer answers A queries over UDP on 127.0.0.1 from answers (name without the final dot
// -> IPv4), and NXDOMAIN-free empty answers otherwise. It returns a resolver that asks it.
func dnsServer(t *testing.T, answers map[string]string) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			if ip, ok := answers[strings.TrimSuffix(q.Name.String(), ".")]; ok && q.Type == dnsmessage.TypeA {
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1},
					dnsmessage.AResource{A: netip.MustParseAddr(ip).As4()})
			}
			msg, err := b.Finish()
			if err == nil {
				pc.WriteTo(msg, from)
			}
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", addr)
	}}
}

// A receiver whose name resolves inward is not reached: the address dialled is judged, not the
// URL. Loopback and private addresses only with AllowPrivate; link-local and metadata never.
func TestReceiverAddressIsJudgedWhenDialled(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(rcv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(rcv.URL, "http://"))
	resolver := dnsServer(t, map[string]string{"inward.test": "127.0.0.1", "metadata.test": "169.254.169.254"})

	for _, tc := range []struct {
		name, host   string
		allowPrivate bool
		reached      bool
		refusal      string
	}{
		{"private refused", "inward.test", false, false, "loopback or private"},
		{"metadata refused though private is allowed", "metadata.test", true, false, "link-local"},
		{"private allowed", "inward.test", true, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			store, sub, events := setup(t, "http://"+tc.host+":"+port+"/hook")
			run(t, store, webhook.Config{Render: render, AllowPrivate: tc.allowPrivate, Resolver: resolver,
				Retries: []time.Duration{time.Hour}, Poll: 10 * time.Millisecond})
			events(1)
			var as []*masspay.WebhookAttempt
			waitFor(t, "an attempt", func() bool { as = latestAttempts(store, sub.ID); return len(as) == 1 })
			if got := hits.Load() > 0; got != tc.reached {
				t.Fatalf("receiver reached = %v, want %v (attempt %d %q)", got, tc.reached, as[0].StatusCode, as[0].ResponseBody)
			}
			if tc.reached && as[0].StatusCode != 200 || !tc.reached && (as[0].StatusCode != 0 || !strings.Contains(as[0].ResponseBody, tc.refusal)) {
				t.Fatalf("attempt = %d %q, want refusal %q", as[0].StatusCode, as[0].ResponseBody, tc.refusal)
			}
		})
	}
}
