package network

import (
	"context"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ReadResolverConfig lists the DNS servers of every adapter that is up.
func ReadResolverConfig(_ context.Context, root string) ResolverConfig {
	if root != "" && root != "/" {
		cfg, err := readResolvConf(root, "/etc/resolv.conf")
		if err != nil {
			cfg.Error = err.Error()
		}
		return cfg
	}
	cfg := ResolverConfig{Source: "GetAdaptersAddresses", Servers: []string{}}
	size := uint32(15000)
	var buf []byte
	for range 3 {
		buf = make([]byte, size)
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_SKIP_ANYCAST|windows.GAA_FLAG_SKIP_MULTICAST,
			0, (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])), &size)
		if err == windows.ERROR_BUFFER_OVERFLOW {
			continue
		}
		if err != nil {
			cfg.Error = fmt.Sprintf("GetAdaptersAddresses: %v", err)
			return cfg
		}
		seen := map[string]bool{}
		for a := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0])); a != nil; a = a.Next {
			if a.OperStatus != windows.IfOperStatusUp {
				continue
			}
			for d := a.FirstDnsServerAddress; d != nil; d = d.Next {
				ip := d.Address.IP()
				if ip == nil || seen[ip.String()] {
					continue
				}
				seen[ip.String()] = true
				cfg.Servers = append(cfg.Servers, ip.String())
			}
		}
		return cfg
	}
	cfg.Error = "GetAdaptersAddresses: buffer kept growing"
	return cfg
}
