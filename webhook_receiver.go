package masspay

import (
	"net/netip"
	"net/url"
	"strings"
)

// Webhook receivers must not point into the network masspay runs in (docs/security.md). The
// rule is judged twice: on a subscription's URL when it is created (a literal address, or
// localhost), and on the address actually dialled for each delivery (so a name that resolves
// inward is refused too).

var (
	// alwaysRefused are never receivers: link-local (cloud metadata services live there),
	// "this network", broadcast, and AWS's IPv6 metadata address.
	alwaysRefused = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("255.255.255.255/32"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("fd00:ec2::254/128"),
	}
	// privateRanges are receivers only when the operator allows them: loopback, RFC 1918, shared
	// address space (RFC 6598), unique local IPv6.
	privateRanges = []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("fc00::/7"),
	}
)

// ReceiverRefusal returns why a webhook may not be sent to ip, or "" when it may. Link-local,
// metadata, unspecified and multicast addresses are always refused; loopback and private ones
// unless allowPrivate.
func ReceiverRefusal(ip netip.Addr, allowPrivate bool) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "not an address"
	case ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalUnicast() || inPrefixes(ip, alwaysRefused):
		return "a link-local, metadata, unspecified or multicast address"
	case !allowPrivate && inPrefixes(ip, privateRanges):
		return "a loopback or private address (allowed with --webhook-allow-private)"
	}
	return ""
}

func inPrefixes(ip netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ReceiverURLRefusal judges a subscription URL's host before any lookup: a literal address by
// ReceiverRefusal, "localhost" (and *.localhost) as loopback. Other names are judged when
// dialled. "" when the URL may be subscribed.
func ReceiverURLRefusal(rawURL string, allowPrivate bool) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "not a URL"
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "" // a name: judged at dial time
	}
	return ReceiverRefusal(ip, allowPrivate)
}
