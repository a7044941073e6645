//go:build embedspec

package spec

import _ "embed"

//go:embed vendor.yaml
var vendorSpec []byte

func init() { embedded = vendorSpec }
