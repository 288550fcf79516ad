package ospofeed

import "net/netip"

// nonPublic lists the ranges, beyond what netip's predicates cover, that a
// scraped URL must never make ospofeed reach.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved ("class E")
	netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast
	netip.MustParsePrefix("64:ff9b::/96"),       // NAT64 can reach private IPv4
	netip.MustParsePrefix("fec0::/10"),          // site-local (deprecated, still routed privately)
}

// PublicAddr reports whether ip is an address a crawler may reach: not
// loopback, private, link-local, multicast, unspecified, or any of the
// other non-public ranges. The configuration check (literal addresses in
// source URLs) and the scraper's dial guard (the address actually dialled)
// apply this one rule.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
