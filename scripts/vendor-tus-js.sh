#!/usr/bin/env bash
# Vendors tus-js-client's browser build (dist/tus.min.js, MIT) into intake/web/static/, where
# go:embed puts it into the binary for the customers' upload page (/u/<token>). No CDN: the page
# loads it from the intake server itself.
#
#   scripts/vendor-tus-js.sh           fetch with `npm pack`, verify, and (re)write the files
#   scripts/vendor-tus-js.sh --check   fetch and verify only; fail if the committed file differs
#
# The pinned version and checksums live in intake/web/static/tus-js-client.version; the npm
# tarball must match the recorded integrity (sha512, as npm records it) and tus.min.js the
# recorded SHA-256. To move to another version, edit the record's version, integrity and sha256
# after checking the new release, then run this script. CI does not need npm: the vendored file
# is committed, and intake's TestVendoredTusJS checks its SHA-256 against the record.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/intake/web/static"
record="$dest/tus-js-client.version"
field() { sed -n "s/^$1: //p" "$record"; }
version=$(field version)
want_integrity=$(field npm_integrity)
want_sha256=$(field sha256)
[ -n "$version" ] && [ -n "$want_integrity" ] && [ -n "$want_sha256" ] || { echo "$record: version, npm_integrity or sha256 missing" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "tus-js-client@$version" >/dev/null
tgz="tus-js-client-$version.tgz"
[ -f "$tgz" ] || { echo "npm pack did not write $tgz" >&2; exit 1; }

got_integrity="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got_integrity" != "$want_integrity" ]; then
	echo "$tgz: integrity $got_integrity, recorded $want_integrity" >&2
	exit 1
fi
tar -xzf "$tgz" package/dist/tus.min.js package/LICENSE
got_sha256=$(sha256sum package/dist/tus.min.js | cut -d' ' -f1)
if [ "$got_sha256" != "$want_sha256" ]; then
	echo "dist/tus.min.js: sha256 $got_sha256, recorded $want_sha256" >&2
	exit 1
fi

if [ "${1:-}" = "--check" ]; then
	cmp package/dist/tus.min.js "$dest/tus.min.js"
	cmp package/LICENSE "$dest/tus-js-client.LICENSE"
	echo "tus-js-client $version: npm tarball and the vendored tus.min.js match the record"
	exit 0
fi
cp package/dist/tus.min.js "$dest/tus.min.js"
cp package/LICENSE "$dest/tus-js-client.LICENSE"
echo "vendored tus-js-client $version: $dest/tus.min.js (sha256 $got_sha256)"
